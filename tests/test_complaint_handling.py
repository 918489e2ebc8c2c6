"""Handling a routed complaint: handle, inform, close and reopen."""

import datetime as dt

import pytest
import time_machine

from complaints import services
from complaints.models import Closure, EventKind, Status
from tests.complaint_helpers import ACTIONS, SH, T0, at_status, kinds, snapshot
from tests.factories.complaints import advance

# The complaint services queue Celery tasks; every test here records them instead
# (the ``sent_tasks`` fixture in conftest.py) so nothing reaches the broker.
pytestmark = pytest.mark.usefixtures("sent_tasks")


# --- handle, inform, close -------------------------------------------------------------


def test_handling_records_the_note_and_starts_the_same_day_inform_clock(users):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    handled = dt.datetime(2026, 11, 10, 15, 0, tzinfo=SH)
    with time_machine.travel(handled, tick=False):
        services.complaint_handle(actor=users["head"], complaint_id=c.pk, note="  已更换水管  ")
    c.refresh_from_db()
    assert c.handled_at == handled
    assert c.handling_note == "已更换水管"
    assert c.inform_due == dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH)
    assert c.events.get(kind=EventKind.HANDLED).note == "已更换水管"


def test_informing_records_the_method(users):
    c = at_status(Status.HANDLED, clerk=users["clerk"], head=users["head"])
    ACTIONS["inform"](c, users)
    c.refresh_from_db()
    assert c.informed_at is not None
    event = c.events.get(kind=EventKind.INFORMED)
    assert event.data["method"] == "phone"
    assert event.note == "住户表示满意"


def test_closing_an_informed_complaint_marks_it_handled_and_clears_the_next_deadline(users):
    c = at_status(Status.INFORMED, clerk=users["clerk"], head=users["head"])
    ACTIONS["close"](c, users)
    c.refresh_from_db()
    assert c.closure == Closure.HANDLED
    assert c.closed_at is not None
    assert c.next_due is None
    assert c.events.get(kind=EventKind.CLOSED).data["closure"] == Closure.HANDLED


def test_the_whole_lifecycle_leaves_the_full_handling_log(users):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    assert kinds(c) == [
        EventKind.RECEIVED,
        EventKind.GRADED,
        EventKind.ROUTED,
        EventKind.SIGNED,
        EventKind.HANDLED,
        EventKind.INFORMED,
        EventKind.CLOSED,
    ]


@pytest.mark.parametrize("note", ["", "   "])
def test_the_handling_note_is_required(users, note):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        services.complaint_handle(actor=users["head"], complaint_id=c.pk, note=note)
    assert snapshot(c) == before


# --- reopening -------------------------------------------------------------------------


def test_reopening_restarts_the_clocks_from_the_moment_of_reopening(users):
    with time_machine.travel(T0, tick=False):
        c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    upgrade_due = c.upgrade_due
    reopened_at = T0 + dt.timedelta(days=5)
    with time_machine.travel(reopened_at, tick=False):
        services.complaint_reopen(actor=users["clerk"], complaint_id=c.pk, reason=" 回访不满意 ")
    c.refresh_from_db()
    assert c.status == Status.REOPENED
    assert c.route_due == reopened_at + dt.timedelta(minutes=10)
    assert c.resolve_due == reopened_at + dt.timedelta(days=2)
    assert c.upgrade_due == upgrade_due  # the month counts from the first receipt
    assert c.signed_at is c.handled_at is c.informed_at is c.closed_at is c.inform_due is None
    assert c.closure == ""
    assert c.next_due == c.route_due
    assert c.events.last().note == "回访不满意"


def test_reopening_needs_a_reason(users):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        services.complaint_reopen(actor=users["clerk"], complaint_id=c.pk, reason="  ")
    assert snapshot(c) == before


def test_a_reopened_complaint_goes_round_the_lifecycle_again(users):
    c = at_status(Status.REOPENED, clerk=users["clerk"], head=users["head"])
    advance(c, to=Status.CLOSED, clerk=users["clerk"], head=users["head"])
    assert c.status == Status.CLOSED
    assert kinds(c).count(EventKind.CLOSED) == 2
    assert kinds(c).count(EventKind.ROUTED) == 2


def test_reopening_a_minor_complaint_whose_requested_date_has_passed_gives_a_future_deadline(
    users,
):
    with time_machine.travel(T0, tick=False):
        c = at_status(
            Status.CLOSED,
            clerk=users["clerk"],
            head=users["head"],
            requested_deadline=dt.date(2026, 11, 11),
        )
    reopened_at = T0 + dt.timedelta(days=10)
    with time_machine.travel(reopened_at, tick=False):
        services.complaint_reopen(actor=users["clerk"], complaint_id=c.pk, reason="回访不满意")
    c.refresh_from_db()
    assert c.resolve_due > reopened_at
