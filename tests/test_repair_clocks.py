"""The repair clocks on the shared engine: each on both sides of its boundary, each
overdue fired once, and who hears of it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from casework.models import Alarm, ClockRule
from casework.sweep import sweep as deadline_sweep
from repairs import services
from repairs.models import EventKind, RepairOrderEvent, Status, Urgency
from staff.models import Notification
from tests.factories.repairs import advance, make_order


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Chinese ones are the catalog's."""
    with translation.override("en"):
        yield


SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday morning
JUST_BEFORE = dt.timedelta(seconds=-1)


def at(moment):
    return time_machine.travel(moment, tick=False)


def minutes(n):
    return dt.timedelta(minutes=n)


def sweep(moment):
    with at(moment):
        return deadline_sweep()


def overdue(o, clock):
    return [
        e
        for e in RepairOrderEvent.objects.filter(order=o, kind=EventKind.OVERDUE)
        if e.data["clock"] == clock
    ]


def told(user, o, clock, kind="due"):
    return Notification.objects.filter(
        recipient=user, key__startswith=f"repair:{o.pk}:{clock}:{kind}:"
    )


@pytest.fixture
def people(clerk, technician, dept_head, supervisor):
    return {"clerk": clerk, "tech": technician, "head": dept_head, "supervisor": supervisor}


def reported(people, **fields):
    with at(T0):
        return make_order(clerk=people["clerk"], **fields)


DISPATCHED_AT = T0 + dt.timedelta(minutes=1)


def dispatched(people, moment=DISPATCHED_AT, **fields):
    o = reported(people, **fields)
    with at(moment):
        services.repair_dispatch(actor=people["clerk"], order_id=o.pk, technician=people["tech"])
    o.refresh_from_db()
    return o


def test_the_repair_rules_are_in_the_rule_book(db):
    rules = dict(ClockRule.objects.filter(key__startswith="repair.").values_list("key", "amount"))
    assert rules == {
        "repair.dispatch": 2,
        "repair.arrive_urgent": 15,
        "repair.arrive_emergency": 5,
        "repair.feedback": 20,
        "repair.promise_call": 30,
    }


# --- dispatch: 2 minutes --------------------------------------------------------------------


def test_dispatch_overdue_after_two_minutes_not_before(people):
    o = reported(people)
    assert o.dispatch_due == T0 + minutes(2)
    sweep(T0 + minutes(2) + JUST_BEFORE)
    assert overdue(o, "dispatch") == []
    assert told(people["clerk"], o, "dispatch", "reminder").count() == 1  # at 75 %: 90 s
    sweep(T0 + minutes(2))
    assert len(overdue(o, "dispatch")) == 1
    for who in ("clerk", "head", "supervisor"):
        assert told(people[who], o, "dispatch").count() == 1
    sweep(T0 + minutes(5))
    assert len(overdue(o, "dispatch")) == 1  # once
    assert Alarm.objects.filter(case_type="repair", case_id=o.pk, clock="dispatch").count() == 2


def test_dispatched_in_time_fires_nothing(people):
    o = dispatched(people, moment=T0 + minutes(2) + JUST_BEFORE)
    sweep(T0 + minutes(3))
    assert overdue(o, "dispatch") == []


# --- arrival: urgent 15 minutes, emergency 5, appointment at its time ------------------------


def test_urgent_arrival_overdue_after_fifteen_minutes(people):
    o = dispatched(people, urgency=Urgency.URGENT)
    assert o.arrive_due == T0 + minutes(16)
    sweep(T0 + minutes(16) + JUST_BEFORE)
    assert overdue(o, "arrive") == []
    sweep(T0 + minutes(16))
    assert len(overdue(o, "arrive")) == 1
    # Late arrival alerts the engineering head (and the technician, the supervisors).
    for who in ("tech", "head", "supervisor"):
        assert told(people[who], o, "arrive").count() == 1
    sweep(T0 + minutes(30))
    assert len(overdue(o, "arrive")) == 1


def test_emergency_arrival_overdue_after_five_minutes(people):
    o = dispatched(people, urgency=Urgency.EMERGENCY)
    assert o.arrive_due == T0 + minutes(6)
    sweep(T0 + minutes(6) + JUST_BEFORE)
    assert overdue(o, "arrive") == []
    sweep(T0 + minutes(6))
    assert len(overdue(o, "arrive")) == 1
    assert told(people["head"], o, "arrive").count() == 1


def test_appointment_arrival_is_due_at_the_agreed_time(people):
    agreed = T0 + dt.timedelta(hours=3)
    o = dispatched(people, urgency=Urgency.APPOINTMENT, appointment_at=agreed)
    assert o.arrive_due == agreed
    sweep(agreed + JUST_BEFORE)
    assert overdue(o, "arrive") == []
    assert not told(people["tech"], o, "arrive", "reminder").exists()  # no rule: no reminder
    sweep(agreed)
    assert len(overdue(o, "arrive")) == 1


def test_arrived_in_time_fires_nothing(people):
    o = dispatched(people, urgency=Urgency.EMERGENCY)
    with at(T0 + minutes(2)):
        services.repair_take(actor=people["tech"], order_id=o.pk)
    with at(T0 + minutes(6) + JUST_BEFORE):
        services.repair_arrive(actor=people["tech"], order_id=o.pk)
    sweep(T0 + minutes(10))
    assert overdue(o, "arrive") == []


# --- feedback: 20 minutes after the work -----------------------------------------------------


def finished(people, moment):
    o = dispatched(people)
    with at(T0 + minutes(2)):
        o = advance(o, to=Status.ARRIVED, clerk=people["clerk"], technician=people["tech"])
    with at(moment):
        services.repair_finish(actor=people["tech"], order_id=o.pk, work_done="更换阀芯")
    o.refresh_from_db()
    return o


def test_feedback_overdue_twenty_minutes_after_the_work(people):
    done = T0 + minutes(30)
    o = finished(people, done)
    assert o.feedback_due == done + minutes(20)
    sweep(done + minutes(20) + JUST_BEFORE)
    assert overdue(o, "feedback") == []
    sweep(done + minutes(20))
    assert len(overdue(o, "feedback")) == 1
    assert told(people["head"], o, "feedback").count() == 1
    sweep(done + minutes(40))
    assert len(overdue(o, "feedback")) == 1


def test_feedback_in_time_fires_nothing(people):
    done = T0 + minutes(30)
    o = finished(people, done)
    with at(done + minutes(20) + JUST_BEFORE):
        services.repair_feedback(actor=people["clerk"], order_id=o.pk, note="已修好")
    sweep(done + minutes(25))
    assert overdue(o, "feedback") == []


# --- the desk's call when it cannot be done now: 30 minutes (ours) --------------------------


def cannot_now(people, moment):
    o = dispatched(people)
    with at(T0 + minutes(2)):
        services.repair_take(actor=people["tech"], order_id=o.pk)
    with at(moment):
        services.repair_cannot_now(
            actor=people["tech"],
            order_id=o.pk,
            reason="需订购配件",
            promised_at=moment + dt.timedelta(days=1),
        )
    o.refresh_from_db()
    return o


def test_promise_call_overdue_after_thirty_minutes(people):
    said = T0 + minutes(5)
    o = cannot_now(people, said)
    assert o.promise_due == said + minutes(30)
    sweep(said + minutes(30) + JUST_BEFORE)
    assert overdue(o, "promise") == []
    assert told(people["clerk"], o, "promise", "reminder").count() == 1
    sweep(said + minutes(30))
    assert len(overdue(o, "promise")) == 1
    assert told(people["clerk"], o, "promise").count() == 1
    sweep(said + minutes(60))
    assert len(overdue(o, "promise")) == 1


def test_phoned_in_time_fires_nothing(people):
    said = T0 + minutes(5)
    o = cannot_now(people, said)
    with at(said + minutes(10)):
        services.repair_phone_resident(actor=people["clerk"], order_id=o.pk, note="已告知明天上午")
    sweep(said + minutes(45))
    assert overdue(o, "promise") == []
    # The promised time is now the appointment: the arrival clock runs to it.
    o.refresh_from_db()
    assert o.next_due == o.appointment_at


def test_a_closed_order_has_no_clock(people):
    o = dispatched(people)
    with at(T0 + minutes(3)):
        advance(o, to=Status.CLOSED, clerk=people["clerk"], technician=people["tech"])
    sweep(T0 + dt.timedelta(days=1))
    assert not RepairOrderEvent.objects.filter(order=o, kind=EventKind.OVERDUE).exists()
