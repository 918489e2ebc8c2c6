"""Every overdue of a complaint routed to a department reaches its head, once; and the
sweep's messages carry their kind and join the complaint's line in the inbox."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.sweep import sweep as deadline_sweep
from complaints import services
from complaints.models import Grade
from staff.models import Notification
from tests.factories.complaints import advance, department, make_complaint

pytestmark = pytest.mark.usefixtures("sent_tasks")

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday morning, working hours
Kind = Notification.Kind


def at(minutes=0.0):
    return time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False)


def sweep(minutes):
    with at(minutes):
        return deadline_sweep()


def notes(user, clock, kind="due"):
    return Notification.objects.filter(recipient=user, key__contains=f":{clock}:{kind}:")


@pytest.fixture
def routed(clerk, dept_head, supervisor):
    """Received and routed to engineering at T0, not signed for."""
    with at():
        c = make_complaint(clerk=clerk)
        services.complaint_route(actor=clerk, complaint_id=c.pk, department=department(c.estate))
    return c


def test_the_head_who_has_not_signed_is_told_the_routing_is_overdue(
    routed, clerk, dept_head, supervisor
):
    sweep(9.9)
    assert not notes(dept_head, "route").exists()
    sweep(10.1)
    for user in (clerk, supervisor, dept_head):
        [n] = notes(user, "route")
        assert (n.kind, n.thread) == (Kind.OVERDUE, f"complaint:{routed.pk}")


def test_a_complaint_not_routed_yet_tells_no_head(clerk, dept_head, supervisor):
    with at():
        make_complaint(clerk=clerk)
    sweep(10.1)
    assert notes(clerk, "route").count() == 1
    assert not Notification.objects.filter(recipient=dept_head).exists()


def test_the_head_gets_every_overdue_of_the_department(clerk, dept_head, supervisor):
    with at():
        c = make_complaint(clerk=clerk)
    with at(1):
        advance(c, to="handled", clerk=clerk, head=dept_head)
    with at(60 * 24 * 3):
        deadline_sweep()  # the resident was not told the same day
    assert notes(dept_head, "inform").count() == 1
    assert notes(clerk, "inform").count() == 1


def test_a_head_who_is_also_a_supervisor_is_told_once(routed, supervisor, dept_head):
    eng = department(routed.estate)
    eng.head = supervisor
    eng.save(update_fields=["head"])
    sweep(10.1)
    assert notes(supervisor, "route").count() == 1
    assert notes(dept_head, "route").count() == 1


def test_the_sweeps_messages_carry_their_kind(clerk, dept_head, supervisor, director):
    with at():
        c = make_complaint(clerk=clerk, grade=Grade.IMPORTANT)
    sweep(8)
    assert set(notes(clerk, "route", "reminder").values_list("kind", flat=True)) == {Kind.DUE_SOON}
    sweep(61)
    assert set(notes(director, "escalate").values_list("kind", flat=True)) == {Kind.ESCALATED}
    threads = set(Notification.objects.values_list("thread", flat=True))
    assert threads == {f"complaint:{c.pk}"}


def test_telling_the_heads_costs_no_query_per_complaint(clerk, dept_head, supervisor):
    def queries_for(n):
        for i in range(n):
            with at():
                c = make_complaint(clerk=clerk, resident_phone=f"1370000{n:02d}{i:02d}")
                services.complaint_route(
                    actor=clerk, complaint_id=c.pk, department=department(c.estate)
                )
        with at(10.1 + n), CaptureQueriesContext(connection) as captured:
            deadline_sweep()
        return len(captured)

    assert queries_for(2) == queries_for(8)
