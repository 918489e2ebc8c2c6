"""Repair orders: the state machine (every legal and illegal move), the signature before
closing, the log, rework and the root-cause flag."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.utils import translation

from complaints.models import Complaint
from repairs import services
from repairs.models import (
    TRANSITIONS,
    EventKind,
    Fault,
    RepairOrder,
    RepairOrderEvent,
    Status,
    Urgency,
)
from staff.models import Notification
from tests.factories.complaints import make_complaint
from tests.factories.repairs import advance, make_order
from tests.factories.staff import UnitFactory


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Chinese ones are the catalog's."""
    with translation.override("en"):
        yield


SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)


def kinds(order):
    return list(RepairOrderEvent.objects.filter(order=order).values_list("kind", flat=True))


@pytest.fixture
def people(clerk, technician, dept_head, supervisor):
    return {"clerk": clerk, "tech": technician, "head": dept_head, "supervisor": supervisor}


def order_in(status, people):
    o = make_order(clerk=people["clerk"])
    return advance(o, to=status, clerk=people["clerk"], technician=people["tech"])


# Each move as the one who makes it; the status it needs → the status it gives.
def _moves(people, order_id):
    clerk, tech = people["clerk"], people["tech"]
    promised = dt.datetime.now(SH) + dt.timedelta(days=1)
    return {
        "dispatch": lambda: services.repair_dispatch(
            actor=clerk, order_id=order_id, technician=tech
        ),
        "take": lambda: services.repair_take(actor=tech, order_id=order_id),
        "arrive": lambda: services.repair_arrive(actor=tech, order_id=order_id),
        "finish": lambda: services.repair_finish(actor=tech, order_id=order_id, work_done="修好"),
        "sign": lambda: services.repair_sign(actor=tech, order_id=order_id, signed_name="张三"),
        "close": lambda: services.repair_close(actor=clerk, order_id=order_id),
        "cannot_now": lambda: services.repair_cannot_now(
            actor=tech, order_id=order_id, reason="缺配件", promised_at=promised
        ),
        # The desk before a technician holds it, the technician after.
        "not_a_repair": lambda: services.repair_not_a_repair(
            actor=clerk
            if RepairOrder.objects.get(pk=order_id).status in (Status.REPORTED, Status.DISPATCHED)
            else tech,
            order_id=order_id,
            note="教住户复位跳闸开关",
        ),
    }


LEGAL = {
    ("dispatch", Status.REPORTED): Status.DISPATCHED,
    ("take", Status.DISPATCHED): Status.TAKEN,
    ("arrive", Status.TAKEN): Status.ARRIVED,
    ("finish", Status.ARRIVED): Status.FINISHED,
    ("sign", Status.FINISHED): Status.SIGNED,
    ("close", Status.SIGNED): Status.CLOSED,
    ("cannot_now", Status.TAKEN): Status.DISPATCHED,
    ("cannot_now", Status.ARRIVED): Status.DISPATCHED,
    ("not_a_repair", Status.REPORTED): Status.CLOSED,
    ("not_a_repair", Status.DISPATCHED): Status.CLOSED,
    ("not_a_repair", Status.TAKEN): Status.CLOSED,
    ("not_a_repair", Status.ARRIVED): Status.CLOSED,
}
# The event each move ends with (closing first records the desk's feedback if none was).
LAST_EVENT = {
    "dispatch": EventKind.DISPATCHED,
    "take": EventKind.TAKEN,
    "arrive": EventKind.ARRIVED,
    "finish": EventKind.FINISHED,
    "sign": EventKind.SIGNED,
    "close": EventKind.CLOSED,
    "cannot_now": EventKind.CANNOT_NOW,
    "not_a_repair": EventKind.NOT_A_REPAIR,
}
ALL = [(move, status) for move in LAST_EVENT for status in Status]


def test_the_legal_moves_are_the_transitions():
    assert {(frm, to) for (_m, frm), to in LEGAL.items()} == {
        (frm, to) for frm, tos in TRANSITIONS.items() for to in tos
    }


@pytest.mark.parametrize(("move", "status"), ALL)
def test_every_move_from_every_status(people, move, status):
    o = order_in(status, people)
    before = kinds(o)
    if (move, status) in LEGAL:
        _moves(people, o.pk)[move]()
        o.refresh_from_db()
        assert o.status == LEGAL[(move, status)]
        after = kinds(o)
        assert after[: len(before)] == before and after[-1] == LAST_EVENT[move]
    else:
        with pytest.raises(services.RepairError):
            _moves(people, o.pk)[move]()
        o.refresh_from_db()
        assert o.status == status
        assert kinds(o) == before  # nothing half-saved


def test_report_numbers_and_logs_the_order(clerk, technician):
    with time_machine.travel(T0, tick=False):
        first = make_order(clerk=clerk)
        second = make_order(clerk=clerk)
    assert (first.number, second.number) == ("WX-202611-0001", "WX-202611-0002")
    assert first.reported_at == T0 and first.reported_by == clerk
    assert first.dispatch_due == T0 + dt.timedelta(minutes=2)
    assert first.arrive_due is None
    assert first.department is not None and first.department.kind == "engineering"
    assert kinds(first) == [EventKind.REPORTED]


def test_report_refuses_bad_input(clerk):
    with pytest.raises(services.RepairError, match="agreed time"):
        make_order(clerk=clerk, urgency=Urgency.APPOINTMENT)
    with pytest.raises(services.RepairError, match="what is to be repaired"):
        make_order(clerk=clerk, description="  ")
    with pytest.raises(services.RepairError, match="the fault"):
        make_order(clerk=clerk, fault="roof")
    with pytest.raises(services.RepairError, match="unit or the place"):
        services.repair_report(
            actor=clerk, estate=clerk.staff_profile.estate, description="灯不亮", urgency="urgent"
        )
    assert not RepairOrder.objects.exists()


def test_an_order_from_a_complaint_is_linked_both_ways(clerk):
    complaint = make_complaint(clerk=clerk)
    o = make_order(clerk=clerk, complaint=complaint)
    assert o.source == "complaint"
    assert list(Complaint.objects.get(pk=complaint.pk).repair_orders.all()) == [o]


def test_publish_then_take_gives_the_order_to_the_taker(people):
    o = make_order(clerk=people["clerk"])
    services.repair_dispatch(actor=people["clerk"], order_id=o.pk)
    o.refresh_from_db()
    assert o.published and o.technician is None
    # Every technician of the department hears of it.
    assert Notification.objects.filter(
        recipient=people["tech"], key__startswith=f"repair:{o.pk}:dispatched:"
    ).exists()
    services.repair_take(actor=people["tech"], order_id=o.pk)
    o.refresh_from_db()
    assert (o.status, o.technician, o.published) == (Status.TAKEN, people["tech"], False)
    assert o.taken_at is not None


def test_closing_needs_the_signature_or_its_reason(people):
    o = order_in(Status.FINISHED, people)
    with pytest.raises(services.RepairError, match="no signature"):
        services.repair_close(actor=people["clerk"], order_id=o.pk)
    with pytest.raises(services.RepairError, match="signs, or give the reason"):
        services.repair_sign(actor=people["tech"], order_id=o.pk)
    o.refresh_from_db()
    assert o.status == Status.FINISHED and o.signed_at is None
    services.repair_sign(actor=people["tech"], order_id=o.pk, unsigned_reason="住户不在家")
    services.repair_close(actor=people["clerk"], order_id=o.pk)
    o.refresh_from_db()
    assert (o.status, o.signed_name, o.unsigned_reason) == (Status.CLOSED, "", "住户不在家")
    assert o.next_due is None and o.sweep_at is None


def test_cannot_now_makes_the_promised_time_the_appointment(people):
    with time_machine.travel(T0, tick=False):
        o = order_in(Status.ARRIVED, people)
    promised = T0 + dt.timedelta(days=1)
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        with pytest.raises(services.RepairError, match="later than now"):
            services.repair_cannot_now(
                actor=people["tech"], order_id=o.pk, reason="x", promised_at=T0
            )
        services.repair_cannot_now(
            actor=people["tech"],
            order_id=o.pk,
            reason="需订购配件",
            promised_at=promised,
            responsible_party="开发商",
            protective_measures="已关闭总阀",
        )
    o.refresh_from_db()
    assert o.status == Status.DISPATCHED and o.technician == people["tech"]
    assert (o.urgency, o.appointment_at, o.arrive_due) == (Urgency.APPOINTMENT, promised, promised)
    assert o.promise_due == T0 + dt.timedelta(minutes=40)
    assert o.arrived_at is None and o.taken_at is None
    assert (o.responsible_party, o.protective_measures) == ("开发商", "已关闭总阀")
    assert kinds(o).count(EventKind.CANNOT_NOW) == 1
    # The technician takes it again for the new time.
    services.repair_take(actor=people["tech"], order_id=o.pk)


def test_feedback_is_recorded_once_after_the_work(people):
    o = order_in(Status.ARRIVED, people)
    with pytest.raises(services.RepairError, match="once the work is done"):
        services.repair_feedback(actor=people["clerk"], order_id=o.pk)
    o = advance(o, to=Status.FINISHED, clerk=people["clerk"], technician=people["tech"])
    services.repair_feedback(actor=people["clerk"], order_id=o.pk, note="已修好")
    with pytest.raises(services.Conflict):
        services.repair_feedback(actor=people["clerk"], order_id=o.pk)
    assert kinds(o).count(EventKind.FEEDBACK) == 1


def test_rework_creates_a_new_linked_order(people):
    o = order_in(Status.ARRIVED, people)
    with pytest.raises(services.RepairError, match="not done yet"):
        services.repair_rework(actor=people["clerk"], order_id=o.pk, reason="仍在漏水")
    o = advance(o, to=Status.CLOSED, clerk=people["clerk"], technician=people["tech"])
    new = services.repair_rework(actor=people["clerk"], order_id=o.pk, reason="仍在漏水")
    assert new.pk != o.pk and new.rework_of == o
    assert (new.unit, new.fault, new.status) == (o.unit, o.fault, Status.REPORTED)
    assert new.number != o.number and new.dispatch_due is not None
    assert list(o.reworks.all()) == [new]
    # The redone report is not a second fault of its own.
    assert not new.root_cause_flag
    assert EventKind.REWORK in kinds(o)
    o.refresh_from_db()
    assert o.status == Status.CLOSED


def test_the_same_fault_twice_in_30_days_asks_for_the_root_cause(clerk, dept_head, ch):
    unit = UnitFactory(estate=ch)
    with time_machine.travel(T0, tick=False):
        first = make_order(clerk=clerk, unit=unit, fault=Fault.POWER)
    with time_machine.travel(T0 + dt.timedelta(days=29, hours=23), tick=False):
        other_fault = make_order(clerk=clerk, unit=unit, fault=Fault.WATER)
        second = make_order(clerk=clerk, unit=unit, fault=Fault.POWER)
    assert not first.root_cause_flag and not other_fault.root_cause_flag
    assert second.root_cause_flag
    assert EventKind.ROOT_CAUSE in kinds(second)
    told = Notification.objects.filter(recipient=dept_head, key=f"repair:{second.pk}:root_cause")
    assert told.count() == 1


def test_the_same_fault_after_30_days_is_not_flagged(clerk, ch):
    unit = UnitFactory(estate=ch)
    with time_machine.travel(T0, tick=False):
        make_order(clerk=clerk, unit=unit, fault=Fault.POWER)
    with time_machine.travel(T0 + dt.timedelta(days=30, minutes=1), tick=False):
        later = make_order(clerk=clerk, unit=unit, fault=Fault.POWER)
    assert not later.root_cause_flag


def test_the_log_is_append_only(people):
    o = order_in(Status.DISPATCHED, people)
    entry = RepairOrderEvent.objects.filter(order=o).first()
    assert entry is not None
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RepairOrderEvent.objects.filter(pk=entry.pk).update(note="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RepairOrderEvent.objects.filter(pk=entry.pk).delete()
