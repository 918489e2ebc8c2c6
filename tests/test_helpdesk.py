"""Inquiries, help requests and the duty log (SPEC §8; 004 §4.4-4.8; 003 交接班程序):
each clock at its boundaries on both sides, the emergency alert's recipients, a second
report of the same matter against the first one's owner, a handover confirmed by both
with the responsibility moving at the confirmation, the morning review of a fixture day,
and the month's figures in the monthly report."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from casework.models import Alarm
from casework.sweep import sweep as deadline_sweep
from complaints.models import Complaint
from helpdesk import services
from helpdesk.models import (
    DutyEntry,
    DutyShift,
    EventKind,
    Handover,
    Request,
    RequestEvent,
    Status,
)
from helpdesk.selectors import morning_review, open_items
from reports.monthly import build_report
from staff.models import Department, Notification, Unit
from staff.roles import Role
from tests.factories.complaints import make_complaint
from tests.factories.staff import make_staff

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 10, 22, 0, tzinfo=SH)  # a Tuesday night
SECOND = dt.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def sweep(moment: dt.datetime):
    with at(moment):
        return deadline_sweep()


def receive(clerk, *, when=T0, **fields) -> Request:
    values: dict[str, Any] = {
        "kind": "help",
        "channel": "phone",
        "question": "门禁卡打不开",
        "location": "3栋大堂",
    }
    values |= fields
    with at(when):
        return services.request_receive(actor=clerk, estate=clerk.staff_profile.estate, **values)


def told(user, **filters):
    return Notification.objects.filter(recipient=user, **filters)


# --- receiving -------------------------------------------------------------------------


def test_an_oral_question_answered_at_once_is_done_with_no_clock(clerk):
    r = receive(clerk, kind="inquiry", answer="物业费可在前台或APP缴纳")
    assert r.number.startswith("ZX-202611-")
    assert r.status == Status.CLOSED and r.answered_by == clerk and r.answered_at == T0
    assert r.answer_due is None and r.sweep_at is None and r.next_due is None
    assert r.received_by == clerk  # 首问责任人
    kinds = list(r.events.order_by("pk").values_list("kind", flat=True))
    assert kinds == [EventKind.RECEIVED, EventKind.ANSWERED]


def test_bad_input_is_refused_and_nothing_saved(clerk, other_clerk):
    cases = [
        {"kind": "security"},  # what happened?
        {"kind": "disaster", "incident": "theft"},
        {"kind": "help", "incident": "fire"},
        {"question": "  "},
        {"location": "", "unit": None},
        {"kind": "nonsense"},
        {"channel": "fax"},
        {"kind": "inquiry", "channel": "letter", "answer": "已答复"},  # written: in writing later
    ]
    for fields in cases:
        with pytest.raises(services.HelpdeskError):
            receive(clerk, **fields)
    with pytest.raises(services.NotAllowed), at(T0):
        services.request_receive(
            actor=other_clerk,
            estate=clerk.staff_profile.estate,
            kind="help",
            channel="phone",
            question="x",
            location="y",
        )
    assert Request.objects.count() == 0 and RequestEvent.objects.count() == 0


def test_a_unit_of_another_estate_is_refused(clerk, other_clerk):
    unit = Unit.objects.create(estate=other_clerk.staff_profile.estate, building="1", room="101")
    with pytest.raises(services.HelpdeskError):
        receive(clerk, unit=unit)


# --- the clocks ------------------------------------------------------------------------


def test_asking_a_supervisor_gives_five_minutes_and_the_overdue_fires_once(clerk, supervisor):
    r = receive(clerk)
    assert r.answer_due is None  # nothing asked yet: to be answered at once
    with at(T0 + dt.timedelta(minutes=1)):
        r = services.request_refer(actor=clerk, request_id=r.pk, supervisor=supervisor)
    due = T0 + dt.timedelta(minutes=6)
    assert r.answer_due == due and r.next_due == due
    assert told(supervisor, kind=Notification.Kind.OTHER).count() == 1
    sweep(due - SECOND)
    assert not Alarm.objects.filter(case_type="request").exists()
    sweep(due)
    sweep(due + dt.timedelta(minutes=1))  # again: nothing twice
    assert Alarm.objects.filter(case_type="request", kind=Alarm.Kind.DUE).count() == 1
    assert r.events.filter(kind=EventKind.OVERDUE).count() == 1
    assert told(supervisor, kind=Notification.Kind.OVERDUE).count() == 1
    assert told(clerk, kind=Notification.Kind.OVERDUE).count() == 1  # the owner
    # Asked once only; answered, the clock stops.
    with pytest.raises(services.Conflict), at(due):
        services.request_refer(actor=clerk, request_id=r.pk, supervisor=supervisor)
    with at(due + dt.timedelta(minutes=2)):
        r = services.request_answer(actor=clerk, request_id=r.pk, answer="已联系保安开门")
    assert r.status == Status.CLOSED and r.next_due is None and r.sweep_at is None
    with pytest.raises(services.Conflict), at(due + dt.timedelta(minutes=3)):
        services.request_answer(actor=clerk, request_id=r.pk, answer="again")


def test_answered_in_time_nothing_fires(clerk, supervisor):
    r = receive(clerk, kind="inquiry")
    with at(T0):
        services.request_refer(actor=clerk, request_id=r.pk, supervisor=supervisor)
    with at(T0 + dt.timedelta(minutes=5) - SECOND):
        services.request_answer(actor=clerk, request_id=r.pk, answer="可以")
    sweep(T0 + dt.timedelta(minutes=10))
    assert not Alarm.objects.filter(case_type="request").exists()


def test_only_a_supervisor_or_director_of_the_estate_is_asked(clerk, technician, other_clerk):
    r = receive(clerk)
    jr_supervisor = make_staff("sup_jr", Role.SUPERVISOR, other_clerk.staff_profile.estate)
    for wrong in (technician, jr_supervisor):
        with pytest.raises(services.HelpdeskError), at(T0):
            services.request_refer(actor=clerk, request_id=r.pk, supervisor=wrong)
    assert Request.objects.get(pk=r.pk).referred_at is None


def test_a_written_inquiry_has_two_days_a_reminder_and_goes_to_the_director(
    clerk, director, supervisor
):
    r = receive(clerk, kind="inquiry", channel="letter", question="请书面说明停车费标准")
    due = T0 + dt.timedelta(days=2)
    assert r.answer_due == due and r.answer_from == T0
    assert told(director).count() == 1  # 报管理处主任
    with pytest.raises(services.IllegalTransition), at(T0):
        services.request_refer(actor=clerk, request_id=r.pk, supervisor=supervisor)
    reminder = T0 + dt.timedelta(hours=36)  # 75 % of the time
    sweep(reminder - SECOND)
    assert not Alarm.objects.filter(case_type="request").exists()
    sweep(reminder)
    assert told(clerk, kind=Notification.Kind.DUE_SOON).count() == 1
    sweep(due - SECOND)
    assert not Alarm.objects.filter(case_type="request", kind=Alarm.Kind.DUE).exists()
    sweep(due)
    assert told(supervisor, kind=Notification.Kind.OVERDUE).count() == 1


# --- emergencies -----------------------------------------------------------------------


def test_an_emergency_alerts_the_duty_officers_security_head_and_director_at_once(
    clerk, duty_officer, director, supervisor, dept_head, other_clerk
):
    ch = clerk.staff_profile.estate
    security_head = make_staff("sec_head", Role.DEPARTMENT_HEAD, ch, Department.Kind.SECURITY)
    jr_duty = make_staff("duty_jr", Role.DUTY_OFFICER, other_clerk.staff_profile.estate)
    r = receive(clerk, kind="security", incident="theft", question="车库电动车被盗")
    assert r.alerted_at == T0 and r.status == Status.OPEN
    alerted = set(
        Notification.objects.filter(key=f"request:{r.pk}:alert").values_list(
            "recipient__username", flat=True
        )
    )
    assert alerted == {duty_officer.username, director.username, security_head.username}
    assert jr_duty.username not in alerted and supervisor.username not in alerted
    event = r.events.get(kind=EventKind.ALERTED)
    assert set(event.data["told"]) == {duty_officer.pk, director.pk, security_head.pk}
    # Answered "at once" does not close an emergency: what was done is recorded first.
    r2 = receive(clerk, kind="medical", answer="已叫120")
    assert r2.status == Status.OPEN and r2.alerted_at is not None and r2.answer == ""
    # What was said at once is kept, on the log.
    assert r2.events.get(kind=EventKind.ACTION).note == "已叫120"
    with at(T0 + dt.timedelta(minutes=3)):
        services.request_act(
            actor=duty_officer, request_id=r2.pk, note="送医院", who_went="保安李四、张三"
        )
    action = r2.events.filter(kind=EventKind.ACTION).latest("pk")
    assert action.data["who_went"] == "保安李四、张三" and action.actor == duty_officer


def test_a_second_report_of_the_same_matter_is_shown_against_the_first_owner(clerk, duty_officer):
    unit = Unit.objects.create(estate=clerk.staff_profile.estate, building="3", room="201")
    first = receive(clerk, unit=unit, location="")
    again = receive(duty_officer, unit=unit, location="", when=T0 + dt.timedelta(hours=1))
    assert again.first_report == first and again.received_by == duty_officer
    assert first.events.filter(kind=EventKind.REPORTED_AGAIN).count() == 1
    assert told(clerk).filter(key__startswith=f"request:{first.pk}:").count() == 1
    # Another kind, or the first one done: a new matter.
    other = receive(duty_officer, unit=unit, location="", kind="inquiry")
    assert other.first_report is None


# --- the duty log ----------------------------------------------------------------------


def test_a_handover_moves_the_responsibility_when_the_one_taking_over_confirms(
    clerk, duty_officer, supervisor
):
    ch = clerk.staff_profile.estate
    with at(T0 - dt.timedelta(hours=2)):
        night = services.shift_open(actor=duty_officer, estate=ch)
    with pytest.raises(services.Conflict), at(T0):
        services.shift_open(actor=clerk, estate=ch)  # one on duty at a time
    emergency = receive(duty_officer, kind="medical", question="老人晕倒")
    with at(T0 + dt.timedelta(minutes=5)):
        services.duty_note(actor=duty_officer, shift_id=night.pk, text="23:00 巡查正常")
    with pytest.raises(services.NotAllowed), at(T0):
        services.duty_note(actor=clerk, shift_id=night.pk, text="not mine")
    morning = dt.datetime(2026, 11, 11, 8, 0, tzinfo=SH)
    with at(morning):
        handover = services.handover_write(
            actor=duty_officer, shift_id=night.pk, to=clerk, watch="3栋老人情况"
        )
    assert [i["number"] for i in handover.items] == [emergency.number]
    assert handover.items[0]["owner"]
    assert told(clerk).filter(key=f"handover:{handover.pk}").count() == 1
    # Written and signed, not confirmed: still the night's.
    signed = morning + dt.timedelta(minutes=10)
    assert services.on_duty(ch.pk, signed).holder == duty_officer
    with pytest.raises(services.NotAllowed), at(signed):
        services.handover_confirm(actor=supervisor, handover_id=handover.pk)
    with pytest.raises(services.Conflict), at(signed):
        services.handover_write(actor=duty_officer, shift_id=night.pk, to=supervisor)
    with at(signed):
        day = services.handover_confirm(actor=clerk, handover_id=handover.pk)
    night.refresh_from_db()
    assert night.ended_at == signed and day.started_at == signed and day.holder == clerk
    assert services.on_duty(ch.pk, signed - SECOND).holder == duty_officer
    assert services.on_duty(ch.pk, signed).holder == clerk
    assert Handover.objects.get().confirmed_at == signed
    with pytest.raises(services.Conflict), at(signed):
        services.handover_confirm(actor=clerk, handover_id=handover.pk)
    with pytest.raises(services.Conflict), at(signed):
        services.duty_note(actor=duty_officer, shift_id=night.pk, text="late")
    assert DutyEntry.objects.filter(shift=night).count() == 1
    assert DutyShift.objects.filter(ended_at__isnull=True).get() == day


def test_a_handover_goes_to_another_member_of_the_desk(clerk, duty_officer, technician):
    with at(T0):
        shift = services.shift_open(actor=duty_officer, estate=clerk.staff_profile.estate)
    for wrong in (duty_officer, technician):
        with pytest.raises(services.HelpdeskError), at(T0):
            services.handover_write(actor=duty_officer, shift_id=shift.pk, to=wrong)
    assert not Handover.objects.exists()


# --- the morning review ----------------------------------------------------------------


def test_the_morning_review_of_a_fixture_day(clerk, dept_head, supervisor):
    ch = clerk.staff_profile.estate
    yesterday = dt.datetime(2026, 11, 10, 15, 0, tzinfo=SH)
    with at(yesterday):
        open_complaint = make_complaint(clerk=clerk, description="电梯异响")
        earlier = make_complaint(clerk=clerk, description="前天的")
    Complaint.objects.filter(pk=earlier.pk).update(received_at=yesterday - dt.timedelta(days=1))
    open_request = receive(clerk, when=yesterday)
    receive(clerk, when=yesterday, kind="inquiry", answer="已答复")  # done: not listed
    written = receive(
        clerk, when=dt.datetime(2026, 11, 9, 9, 0, tzinfo=SH), kind="inquiry", channel="letter"
    )  # due 11-11 09:00: today
    review = morning_review(ch.pk, dt.date(2026, 11, 11))
    unfinished = {s["key"]: [r["number"] for r in s["rows"]] for s in review["unfinished"]}
    assert unfinished["complaints"] == [open_complaint.number]
    assert unfinished["requests"] == [open_request.number]
    due = {s["key"]: [r["number"] for r in s["rows"]] for s in review["due_today"]}
    assert due["requests"] == [written.number]
    assert open_complaint.number in due["complaints"]  # its clocks run out today or before
    counts = {s["key"]: s["count"] for s in review["unfinished"]}
    assert counts == {"complaints": 1, "repairs": 0, "requests": 1, "callbacks": 0}
    # The other estate's desk sees none of it.
    assert all(
        not s["rows"] for s in morning_review(ch.pk + 999, dt.date(2026, 11, 11))["unfinished"]
    )
    items = open_items(ch.pk, dt.datetime(2026, 11, 11, 8, 0, tzinfo=SH))
    assert {open_request.number, written.number} <= {i["number"] for i in items}


# --- the monthly report ----------------------------------------------------------------


def test_the_months_figures_by_kind_and_on_time(clerk, supervisor):
    receive(clerk, kind="inquiry", answer="已答复")
    late = receive(clerk)
    with at(T0):
        services.request_refer(actor=clerk, request_id=late.pk, supervisor=supervisor)
    with at(T0 + dt.timedelta(minutes=9)):
        services.request_answer(actor=clerk, request_id=late.pk, answer="晚了")
    ok = receive(clerk, kind="inquiry", channel="letter")
    with at(T0 + dt.timedelta(days=1)):
        services.request_answer(actor=clerk, request_id=ok.pk, answer="书面答复")
    receive(clerk, kind="disaster", incident="flood", question="地下室水浸")
    report = build_report(
        [clerk.staff_profile.estate_id], dt.date(2026, 11, 1), now=T0 + dt.timedelta(days=5)
    )
    [section] = [s for s in report["sections"] if s["key"] == "requests"]
    rows = {r["key"]: r["value"] for r in section["rows"]}
    assert rows["request.total"] == 4
    assert rows["request.kind.inquiry"] == 2 and rows["request.kind.help"] == 1
    assert rows["request.kind.disaster"] == 1 and rows["request.kind.medical"] == 0
    assert rows["request.on_time"] == 50.0  # the written one in time, the referred one late
