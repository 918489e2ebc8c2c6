"""The deadline engine: every clock on both sides of its boundary, exactly once."""

import contextlib
import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import Alarm, ClockRule
from casework.sweep import registered
from casework.sweep import sweep as deadline_sweep
from complaints import services
from complaints.models import Complaint, ComplaintEvent, EventKind, Grade
from staff.models import Delivery, Notification
from tests.factories.complaints import advance, department, make_complaint

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday morning, working hours


def at(delta=dt.timedelta(), base=T0):
    return time_machine.travel(base + delta, tick=False)


def sweep(moment):
    with time_machine.travel(moment, tick=False):
        return deadline_sweep()


def alarms(c):
    return Alarm.objects.filter(case_type="complaint", case_id=c.pk)


def events(c, kind):
    return list(ComplaintEvent.objects.filter(complaint=c, kind=kind))


def notes_for(user, clock, kind="due"):
    return Notification.objects.filter(recipient=user, key__contains=f":{clock}:{kind}:")


@pytest.fixture
def received(clerk, dept_head, supervisor, director, gm):
    """A minor phone complaint received at T0 and not routed."""
    with at():
        return make_complaint(clerk=clerk)


# --- routing: 10 minutes ------------------------------------------------------------------


def test_route_alarm_fires_after_ten_minutes_not_before(received, clerk, supervisor):
    sweep(T0 + dt.timedelta(minutes=9, seconds=59))
    assert events(received, EventKind.OVERDUE) == []
    sweep(T0 + dt.timedelta(minutes=10, seconds=1))
    [event] = events(received, EventKind.OVERDUE)
    assert event.data["clock"] == "route" and event.actor is None
    assert notes_for(clerk, "route").count() == 1
    assert notes_for(supervisor, "route").count() == 1


def test_route_reminder_goes_to_the_clerk_at_75_percent(received, clerk):
    sweep(T0 + dt.timedelta(minutes=7, seconds=29))
    assert not notes_for(clerk, "route", "reminder").exists()
    sweep(T0 + dt.timedelta(minutes=7, seconds=31))
    assert notes_for(clerk, "route", "reminder").count() == 1


def test_signed_in_time_means_no_route_alarm(received, clerk, dept_head):
    with at(dt.timedelta(minutes=3)):
        advance(received, to="signed", clerk=clerk, head=dept_head)
    sweep(T0 + dt.timedelta(minutes=11))
    assert not alarms(received).filter(clock="route").exists()


def test_routed_but_not_signed_still_alarms(received, clerk, dept_head):
    with at(dt.timedelta(minutes=3)):
        advance(received, to="routed", clerk=clerk, head=dept_head)
    sweep(T0 + dt.timedelta(minutes=10, seconds=1))
    assert [e.data["clock"] for e in events(received, EventKind.OVERDUE)] == ["route"]


# --- escalation ---------------------------------------------------------------------------


def test_important_complaint_is_escalated_to_the_director_after_one_hour(clerk, director):
    with at():
        c = make_complaint(clerk=clerk, grade=Grade.IMPORTANT)
    sweep(T0 + dt.timedelta(minutes=59, seconds=59))
    assert events(c, EventKind.ESCALATED) == []
    sweep(T0 + dt.timedelta(hours=1, seconds=1))
    c.refresh_from_db()
    assert c.escalated_to == "office_director"
    assert len(events(c, EventKind.ESCALATED)) == 1
    assert notes_for(director, "escalate").count() == 1


def test_manual_escalation_in_time_leaves_nothing_to_do(clerk, supervisor):
    with at():
        c = make_complaint(clerk=clerk, grade=Grade.IMPORTANT)
    with at(dt.timedelta(minutes=20)):
        services.complaint_escalate(actor=supervisor, complaint_id=c.pk)
    sweep(T0 + dt.timedelta(hours=2))
    assert len(events(c, EventKind.ESCALATED)) == 1


def test_major_complaint_reaches_the_gm_by_midnight(clerk, gm):
    with at():
        c = make_complaint(clerk=clerk, grade=Grade.MAJOR)
    sweep(dt.datetime(2026, 11, 23, 23, 59, 59, tzinfo=SH))
    assert events(c, EventKind.ESCALATED) == []
    sweep(dt.datetime(2026, 11, 24, 0, 0, 1, tzinfo=SH))
    c.refresh_from_db()
    assert c.escalated_to == "general_manager"
    assert notes_for(gm, "escalate").count() == 1


def test_major_complaint_after_hours_is_due_the_next_morning(clerk, gm):
    evening = dt.datetime(2026, 11, 23, 20, 0, tzinfo=SH)
    with time_machine.travel(evening, tick=False):
        c = make_complaint(clerk=clerk, grade=Grade.MAJOR)
    assert c.escalate_due == dt.datetime(2026, 11, 24, 9, 30, tzinfo=SH)
    sweep(dt.datetime(2026, 11, 24, 9, 29, 59, tzinfo=SH))
    assert events(c, EventKind.ESCALATED) == []
    sweep(dt.datetime(2026, 11, 24, 9, 30, 1, tzinfo=SH))
    assert len(events(c, EventKind.ESCALATED)) == 1


# --- resolution, answer, upgrade, inform ----------------------------------------------------


def test_minor_resolution_overdue_after_two_days(received, clerk, dept_head, supervisor):
    with at(dt.timedelta(minutes=1)):
        advance(received, to="signed", clerk=clerk, head=dept_head)
    sweep(T0 + dt.timedelta(days=2, seconds=-1))
    assert "resolve" not in [e.data.get("clock") for e in events(received, EventKind.OVERDUE)]
    sweep(T0 + dt.timedelta(days=2, seconds=1))
    assert "resolve" in [e.data["clock"] for e in events(received, EventKind.OVERDUE)]
    assert notes_for(dept_head, "resolve").count() == 1
    assert notes_for(supervisor, "resolve").count() == 1


def test_an_oral_complaint_gets_its_reply_within_one_working_day(clerk):
    friday = dt.datetime(2026, 11, 27, 16, 0, tzinfo=SH)
    with time_machine.travel(friday, tick=False):
        c = make_complaint(clerk=clerk)
    # Saturday and Sunday are days off: due Monday at the end of work.
    assert c.answer_due == dt.datetime(2026, 11, 30, 17, 30, tzinfo=SH)


def test_a_letter_skips_the_national_day_holiday_and_counts_a_make_up_day(clerk):
    with time_machine.travel(dt.datetime(2026, 9, 30, 10, 0, tzinfo=SH), tick=False):
        c = make_complaint(clerk=clerk, channel="letter")
    # 10-01..10-07 off; 10-08, 10-09 and Saturday 10-10 (调休) are working days.
    assert c.answer_due == dt.datetime(2026, 10, 10, 17, 30, tzinfo=SH)
    sweep(dt.datetime(2026, 10, 10, 17, 29, 59, tzinfo=SH))
    assert "answer" not in [e.data.get("clock") for e in events(c, EventKind.OVERDUE)]
    sweep(dt.datetime(2026, 10, 10, 17, 30, 1, tzinfo=SH))
    assert "answer" in [e.data["clock"] for e in events(c, EventKind.OVERDUE)]


def test_unresolved_for_a_month_becomes_major_and_is_escalated(received, clerk, dept_head, gm):
    with at(dt.timedelta(minutes=1)):
        advance(received, to="signed", clerk=clerk, head=dept_head)
    sweep(T0 + dt.timedelta(days=30, seconds=-1))
    received.refresh_from_db()
    assert received.grade == Grade.MINOR
    sweep(T0 + dt.timedelta(days=30, seconds=1))
    received.refresh_from_db()
    assert received.grade == Grade.MAJOR
    [regrade] = events(received, EventKind.REGRADED)
    assert regrade.actor is None and regrade.data["previous"] == Grade.MINOR
    # Its same-day escalation is long past: done in the same run.
    assert received.escalated_to == "general_manager"
    assert notes_for(gm, "upgrade").count() == 1


def test_resident_not_informed_the_same_day_reminds_the_clerk(received, clerk, dept_head):
    with at(dt.timedelta(hours=5)):  # handled at 15:00
        advance(received, to="handled", clerk=clerk, head=dept_head)
    received.refresh_from_db()
    assert received.inform_due == dt.datetime(2026, 11, 24, 0, 0, tzinfo=SH)
    sweep(dt.datetime(2026, 11, 23, 23, 59, 59, tzinfo=SH))
    assert not notes_for(clerk, "inform").exists()
    sweep(dt.datetime(2026, 11, 24, 0, 0, 1, tzinfo=SH))
    assert notes_for(clerk, "inform").count() == 1


def _extension(received, clerk, dept_head, director, *, approve):
    """Signed at T0+1 min; five days asked for the next day, and decided."""
    with at(dt.timedelta(minutes=1)):
        advance(received, to="signed", clerk=clerk, head=dept_head)
    with at(dt.timedelta(days=1)):
        ext = services.extension_request(
            actor=dept_head,
            complaint_id=received.pk,
            reason="等配件",
            interim_measure="先关阀门",
            new_deadline=T0 + dt.timedelta(days=5),
        )
        services.extension_decide(
            actor=director, extension_id=ext.pk, approve=approve, note="" if approve else "不批准"
        )


def test_an_approved_extension_moves_the_alarm(received, clerk, dept_head, director):
    _extension(received, clerk, dept_head, director, approve=True)
    sweep(T0 + dt.timedelta(days=4))
    assert "resolve" not in [e.data.get("clock") for e in events(received, EventKind.OVERDUE)]
    sweep(T0 + dt.timedelta(days=5, seconds=1))
    assert "resolve" in [e.data["clock"] for e in events(received, EventKind.OVERDUE)]


def test_a_refused_extension_keeps_the_deadline(received, clerk, dept_head, director):
    _extension(received, clerk, dept_head, director, approve=False)
    sweep(T0 + dt.timedelta(days=2, seconds=1))
    assert "resolve" in [e.data["clock"] for e in events(received, EventKind.OVERDUE)]


def test_closed_complaints_have_no_alarms(received, clerk, dept_head):
    with at(dt.timedelta(minutes=1)):
        advance(received, to="closed", clerk=clerk, head=dept_head)
    received.refresh_from_db()
    assert received.sweep_at is None
    # Its callback has a clock of its own (callbacks); the complaint none.
    assert sweep(T0 + dt.timedelta(days=60))["by_table"]["complaint"]["alarms"] == 0


def test_a_managers_rule_change_applies_to_new_complaints(clerk):
    ClockRule.objects.filter(key="complaint.route").update(amount=30)
    with at():
        c = make_complaint(clerk=clerk)
    assert c.route_due == T0 + dt.timedelta(minutes=30)


# --- exactly once -------------------------------------------------------------------------


def _counts():
    return (
        ComplaintEvent.objects.filter(kind__in=[EventKind.OVERDUE, EventKind.ESCALATED]).count(),
        Notification.objects.count(),
        Delivery.objects.count(),
        Alarm.objects.count(),
    )


def test_running_the_sweep_twice_acts_once(clerk, dept_head, supervisor, director):
    with at():
        make_complaint(clerk=clerk, grade=Grade.IMPORTANT)
        make_complaint(clerk=clerk, resident_phone="13900000000")
    later = T0 + dt.timedelta(hours=2)
    first = sweep(later)
    once = _counts()
    second = sweep(later)
    assert first["alarms"] > 0 and second["alarms"] == 0
    assert _counts() == once


def test_the_database_refuses_a_second_alarm(received):
    row = dict(
        case_type="complaint",
        case_id=received.pk,
        clock="route",
        kind="due",
        due_at=received.route_due,
        fired_at=timezone.now(),
    )
    Alarm.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alarm.objects.create(**row)


def test_nothing_due_costs_a_couple_of_queries(received):
    with CaptureQueriesContext(connection) as queries:
        sweep(T0 + dt.timedelta(minutes=1))
    # One probe of each registered table's index, and the heartbeat; no rules read.
    assert len(queries) == len(registered()) + 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_act_once_per_alarm(ch, clerk, supervisor, director):
    with at():
        for i in range(30):
            make_complaint(clerk=clerk, grade=Grade.IMPORTANT, resident_phone=f"1390000{i:04d}")
    later = T0 + dt.timedelta(hours=2)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            sweep(later)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert ComplaintEvent.objects.filter(kind=EventKind.ESCALATED).count() == 30
    per_complaint = ComplaintEvent.objects.filter(kind=EventKind.OVERDUE).values_list(
        "complaint_id", "data__clock"
    )
    assert len(per_complaint) == len(set(per_complaint))
    keys = Notification.objects.values_list("recipient_id", "key")
    assert len(keys) == len(set(keys))


def test_catch_up_after_six_hours_down_does_everything_once_in_order(clerk, supervisor, director):
    for minutes in (50, 0, 30, 10):
        with at(dt.timedelta(minutes=minutes)):
            make_complaint(clerk=clerk, grade=Grade.IMPORTANT, resident_phone=f"13900{minutes:06d}")
    stats = sweep(T0 + dt.timedelta(hours=6))
    assert stats["by_table"]["complaint"]["cases"] == 4
    escalated = ComplaintEvent.objects.filter(kind=EventKind.ESCALATED).order_by("id")
    due = [e.complaint.escalate_due for e in escalated]
    assert len(due) == 4 and due == sorted(due)
    route = Alarm.objects.filter(case_type="complaint", clock="route", kind="due").count()
    assert route == 4
    assert sweep(T0 + dt.timedelta(hours=6))["alarms"] == 0


# --- Redis down ---------------------------------------------------------------------------


@contextlib.contextmanager
def broker_at(url):
    """Point the Celery app at another broker, dropping its cached connection pools
    on the way in and out."""
    from config.celery import app

    def reset():
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    reset()
    app.conf.broker_url = url
    try:
        yield
    finally:
        reset()
        app.conf.broker_url = old


def test_a_clerk_saves_in_under_two_seconds_with_redis_down(client, clerk, dept_head):
    client.force_login(clerk)
    with broker_at("redis://127.0.0.1:1/0"):  # nothing listens there
        started = time.monotonic()
        response = client.post(
            reverse("complaints:intake"),
            {
                "description": "电梯停运",
                "channel": "phone",
                "category": "engineering",
                "grade": "minor",
                "resident_name": "张三",
                "resident_phone": "13812345678",
                "outcome": "route",
                "department": dept_head.staff_profile.department.pk,
            },
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 2
    assert Complaint.objects.count() == 1
    # The head's notice waits in the database and goes out once Redis is back.
    assert Notification.objects.filter(recipient=dept_head).count() == 1


def test_pending_deliveries_are_found_again_when_the_broker_is_back(clerk, dept_head):
    dept_head.email = "head@example.com"
    dept_head.save(update_fields=["email"])
    with at():
        c = make_complaint(clerk=clerk)
        services.complaint_route(actor=clerk, complaint_id=c.pk, department=department(c.estate))
    from staff.notify import deliveries_requeue

    with at(dt.timedelta(minutes=1)):
        assert Delivery.objects.filter(pk__in=deliveries_requeue()).count() == 1
