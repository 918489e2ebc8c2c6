"""Regrading: a reason is required, both grades logged, clocks recomputed."""

import datetime as dt

import pytest
import time_machine

from casework.rules import RuleBook
from complaints import clocks, services
from complaints.models import EventKind, Grade, Status
from tests.complaint_helpers import SH, T0, at_status, events_after, last_event_id, snapshot

# The complaint services queue Celery tasks; every test here records them instead
# (the ``sent_tasks`` fixture in conftest.py) so nothing reaches the broker.
pytestmark = pytest.mark.usefixtures("sent_tasks")


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_regrade_needs_a_reason(users, reason):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.MAJOR, reason=reason
        )
    assert snapshot(c) == before


def test_a_regrade_logs_both_grades_and_recomputes_the_clocks_from_receipt(users):
    with time_machine.travel(T0, tick=False):
        c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = last_event_id(c)
    with time_machine.travel(T0 + dt.timedelta(hours=5), tick=False):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.MAJOR, reason=" 造成财产损失 "
        )
    c.refresh_from_db()
    assert c.grade == Grade.MAJOR
    expected = clocks.deadlines_for(RuleBook.load(None), received_at=T0, grade=Grade.MAJOR)
    assert c.route_due == expected.route_due
    assert c.escalate_due == dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH)
    assert c.answer_due == dt.datetime(2026, 11, 12, 9, 0, tzinfo=SH)
    assert c.resolve_due == dt.datetime(2026, 11, 20, 9, 0, tzinfo=SH)
    assert c.upgrade_due is None
    new = events_after(c, before)
    assert [(e.kind, e.actor_id) for e in new] == [(EventKind.REGRADED, users["supervisor"].pk)]
    assert new[0].data == {"previous": Grade.MINOR, "grade": Grade.MAJOR}
    assert new[0].note == "造成财产损失"


def test_a_complaint_regraded_to_major_after_reaching_the_director_must_still_reach_the_gm(
    users,
):
    with time_machine.travel(T0, tick=False):
        c = at_status(
            Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=Grade.IMPORTANT
        )
        services.complaint_escalate(actor=users["supervisor"], complaint_id=c.pk)
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.MAJOR, reason="造成人身伤害"
        )
    c.refresh_from_db()
    assert c.escalate_due == dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH)
    assert c.next_due == c.escalate_due


def test_regrading_to_the_same_grade_is_a_conflict(users):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.Conflict):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.MINOR, reason="复核"
        )
    assert snapshot(c) == before


def test_a_closed_complaint_is_not_regraded(users):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.IllegalTransition):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.MAJOR, reason="复核"
        )
    assert snapshot(c) == before


def test_an_unknown_grade_is_refused(users):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade="catastrophic", reason="复核"
        )
    assert snapshot(c) == before
