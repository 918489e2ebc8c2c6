"""Callbacks opened by the cases below them, recorded by the desk, and what "not
satisfied" sets going. The thorough cases are in the other callback test files."""

import pytest
from django.utils import translation

from callbacks import services
from callbacks.models import Callback, EventKind, Kind, Status
from complaints.models import Status as ComplaintStatus
from repairs.models import RepairOrder
from repairs.models import Status as RepairStatus
from tests.factories.complaints import advance, make_complaint
from tests.factories.repairs import advance as advance_order
from tests.factories.repairs import make_order


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_closed_complaint_is_due_for_a_callback(clerk, dept_head):
    c = advance(make_complaint(clerk=clerk), to="closed", clerk=clerk, head=dept_head)
    cb = Callback.objects.get()
    assert (cb.kind, cb.complaint, cb.status) == (Kind.COMPLAINT, c, Status.DUE)
    assert cb.callback_due > cb.opened_at and cb.next_due == cb.callback_due
    assert list(cb.events.values_list("kind", flat=True)) == [EventKind.OPENED]


def test_an_anonymous_complaint_needs_none(clerk, dept_head):
    c = make_complaint(clerk=clerk, anonymous=True, resident_name="", resident_phone="")
    advance(c, to="closed", clerk=clerk, head=dept_head)
    cb = Callback.objects.get()
    assert cb.status == Status.NOT_NEEDED and cb.callback_due is None and cb.sweep_at is None


def test_a_finished_repair_is_due_in_the_weeks_batch(clerk, technician):
    o = advance_order(
        make_order(clerk=clerk), to=RepairStatus.FINISHED, clerk=clerk, technician=technician
    )
    cb = Callback.objects.get()
    assert (cb.kind, cb.repair_order, cb.status) == (Kind.REPAIR, o, Status.DUE)
    assert cb.week_of.weekday() == 4


def test_not_satisfied_reopens_the_complaint(clerk, dept_head):
    c = advance(make_complaint(clerk=clerk), to="closed", clerk=clerk, head=dept_head)
    cb = Callback.objects.get()
    services.callback_record(
        actor=clerk,
        callback_id=cb.pk,
        method="phone",
        reached=True,
        satisfaction="not_satisfied",
        words="还是漏水",
    )
    c.refresh_from_db()
    assert c.status == ComplaintStatus.REOPENED
    cb.refresh_from_db()
    assert cb.status == Status.DONE
    assert EventKind.REOPENED in cb.events.values_list("kind", flat=True)


def test_not_satisfied_with_a_repair_orders_the_rework(clerk, technician):
    o = advance_order(
        make_order(clerk=clerk), to=RepairStatus.CLOSED, clerk=clerk, technician=technician
    )
    cb = Callback.objects.get()
    services.callback_record(
        actor=clerk,
        callback_id=cb.pk,
        method="phone",
        reached=True,
        satisfaction="not_satisfied",
        attitude="satisfied",
        speed="basic",
        quality="not_satisfied",
        words="修完又坏了",
    )
    assert RepairOrder.objects.filter(rework_of=o).exists()


def test_unreached_up_to_the_limit_then_unreachable(clerk, dept_head, settings):
    settings.CALLBACK_MAX_TRIES = 2
    advance(make_complaint(clerk=clerk), to="closed", clerk=clerk, head=dept_head)
    cb = Callback.objects.get()
    services.callback_record(actor=clerk, callback_id=cb.pk, method="phone", reached=False)
    cb.refresh_from_db()
    assert (cb.status, cb.tries) == (Status.DUE, 1)
    services.callback_record(actor=clerk, callback_id=cb.pk, method="phone", reached=False)
    cb.refresh_from_db()
    assert (cb.status, cb.tries, cb.sweep_at) == (Status.UNREACHABLE, 2, None)


def test_a_public_letter_closes_several_callbacks(clerk, dept_head):
    for _ in range(3):
        advance(make_complaint(clerk=clerk), to="closed", clerk=clerk, head=dept_head)
    ids = list(Callback.objects.values_list("pk", flat=True))
    letter = services.letter_write(
        actor=clerk,
        estate_id=clerk.staff_profile.estate_id,
        title="关于电梯维修的说明",
        body="各位住户：……",
        callback_ids=ids,
    )
    assert set(letter.callbacks.values_list("status", flat=True)) == {Status.DONE}
