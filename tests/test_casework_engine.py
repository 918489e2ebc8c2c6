"""The shared clock engine, proven once on a throwaway kind of case
(tests/casework_app): exactly once across concurrent sweeps and a retried batch,
catch-up in due order, the reminder share, an alarm that replaces deadlines, a
working-day rule across a holiday and a make-up working day, the append-only log."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction

from casework import rules, sweep
from casework.models import Alarm, ClockRule
from casework.rules import RuleBook
from staff.models import CalendarDay, Company
from tests.casework_app.clocks import ANSWER, FINISH, TABLE, TicketClocks
from tests.casework_app.models import Ticket, TicketEntry

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday morning


def run_sweep(moment):
    with time_machine.travel(moment, tick=False):
        return sweep.sweep()


def open_ticket(*, company=None, opened=T0, **deadlines):
    t = Ticket(company=company, opened_at=opened, **deadlines)
    TABLE.refresh(t, RuleBook.load(company.pk if company else None))
    t.save()
    return t


def fired(ticket=None):
    entries = TicketEntry.objects.order_by("id")
    if ticket is not None:
        entries = entries.filter(ticket=ticket)
    return [e.kind for e in entries]


@pytest.fixture
def company(db):
    """Monday 30 November is a holiday, Saturday 28 a make-up working day."""
    c = Company.objects.create(name="测试物业")
    CalendarDay.objects.create(company=c, date=dt.date(2026, 11, 30), kind="holiday")
    CalendarDay.objects.create(company=c, date=dt.date(2026, 11, 28), kind="workday")
    return c


def test_reminder_at_the_rule_share_then_the_deadline(db):
    t = open_ticket(answer_due=T0 + dt.timedelta(minutes=10))
    assert t.sweep_at == T0 + dt.timedelta(minutes=7, seconds=30)  # 75 % of 10 minutes
    run_sweep(T0 + dt.timedelta(minutes=7, seconds=29))
    assert fired() == []
    run_sweep(T0 + dt.timedelta(minutes=7, seconds=31))
    assert fired() == ["answer:reminder"]
    run_sweep(T0 + dt.timedelta(minutes=9, seconds=59))
    assert fired() == ["answer:reminder"]
    run_sweep(T0 + dt.timedelta(minutes=10, seconds=1))
    assert fired() == ["answer:reminder", "answer:due"]
    t.refresh_from_db()
    assert t.sweep_at is None
    assert t.next_due == T0 + dt.timedelta(minutes=10)  # still unmet: queues keep it


def test_a_manager_rule_change_moves_the_reminder(db):
    ClockRule.objects.filter(key=ANSWER).update(remind_at_percent=50)
    t = open_ticket(answer_due=T0 + dt.timedelta(minutes=10))
    assert t.sweep_at == T0 + dt.timedelta(minutes=5)


def test_a_deleted_rule_falls_back_to_the_seeds_numbers(db):
    ClockRule.objects.filter(key=ANSWER).delete()
    assert rules.load_rules()[ANSWER] == rules.Rule(10, "minutes", 75)
    assert rules.ensure_rules() >= 1
    assert ClockRule.objects.get(key=ANSWER).source == "测试"


def test_working_days_skip_a_holiday_and_count_a_make_up_day(company):
    friday = dt.datetime(2026, 11, 27, 10, 0, tzinfo=SH)
    book = RuleBook.load(company.pk)
    # Sat 28 (make-up) is the first working day, Mon 30 is a holiday, Tue 1 the second.
    due = book.due_after(FINISH, friday)
    assert due == dt.datetime(2026, 12, 1, 17, 30, tzinfo=SH)
    t = open_ticket(company=company, opened=friday, finish_due=due)
    reminder = friday + (due - friday) / 2
    run_sweep(reminder - dt.timedelta(minutes=1))
    assert fired() == []
    run_sweep(reminder + dt.timedelta(minutes=1))
    assert fired() == ["finish:reminder"]
    run_sweep(due - dt.timedelta(minutes=1))
    assert fired() == ["finish:reminder"]
    run_sweep(due + dt.timedelta(minutes=1))
    assert fired(t) == ["finish:reminder", "finish:due"]


def test_a_case_without_a_live_clock_has_no_alarm(db):
    t = open_ticket(answer_due=T0, closed=True)
    assert (t.next_due, t.sweep_at) == (None, None)
    met = open_ticket(answer_due=T0, answered_at=T0 - dt.timedelta(minutes=1))
    assert (met.next_due, met.sweep_at) == (None, None)
    run_sweep(T0 + dt.timedelta(days=3))
    assert fired() == []


def test_an_alarm_that_replaces_deadlines_fires_alone(db):
    """Caught up late: the bump moves the finish deadline, so the old one never fires."""
    t = open_ticket(
        finish_due=T0 + dt.timedelta(hours=1),
        bump_due=T0 + dt.timedelta(hours=2),
        opened=T0 - dt.timedelta(hours=1),
    )
    now = T0 + dt.timedelta(hours=3)
    run_sweep(now)
    # The new deadline is an hour away, past half its time: only its reminder.
    assert fired(t) == ["bump:due", "finish:reminder"]
    new_due = now + dt.timedelta(hours=1)
    reminder = TicketEntry.objects.get(kind="finish:reminder")
    assert dt.datetime.fromisoformat(reminder.data["due"]) == new_due
    t.refresh_from_db()
    assert (t.finish_due, t.bumped_at) == (new_due, now)
    run_sweep(now + dt.timedelta(hours=1, minutes=1))
    assert fired(t) == ["bump:due", "finish:reminder", "finish:due"]
    assert not Alarm.objects.filter(case_id=t.pk, clock="finish", due_at=T0 + dt.timedelta(hours=1))


def test_catch_up_after_hours_off_fires_every_alarm_earliest_first(db, settings):
    settings.DEADLINE_SWEEP_BATCH = 3  # several batches
    offsets = [37, 5, 22, 51, 14, 3, 44, 29, 9, 18]
    tickets = [open_ticket(opened=T0, answer_due=T0 + dt.timedelta(minutes=m)) for m in offsets]
    stats = run_sweep(T0 + dt.timedelta(hours=6))
    assert stats["by_table"][TABLE.name] == {"cases": 10, "alarms": 20}
    due = TicketEntry.objects.filter(kind="answer:due").order_by("id")
    assert [e.data["due"] for e in due] == sorted(e.data["due"] for e in due)
    assert len(due) == len(tickets)
    assert Ticket.objects.filter(sweep_at__isnull=False).count() == 0
    assert run_sweep(T0 + dt.timedelta(hours=6, minutes=1))["alarms"] == 0


def test_a_second_sweep_and_a_retried_batch_act_zero_times_more(db):
    t = open_ticket(answer_due=T0 + dt.timedelta(minutes=10))
    later = T0 + dt.timedelta(hours=1)
    first = run_sweep(later)
    assert first["by_table"][TABLE.name]["alarms"] == 2
    # A retried message, or a batch whose sweep_at was put back: the alarms are taken.
    Ticket.objects.filter(pk=t.pk).update(sweep_at=T0)
    assert run_sweep(later)["alarms"] == 0
    assert fired(t) == ["answer:reminder", "answer:due"]
    assert Alarm.objects.filter(case_type=TABLE.name, case_id=t.pk).count() == 2


def test_a_crash_mid_batch_rolls_back_and_the_next_sweep_acts_once(db, monkeypatch):
    t = open_ticket(answer_due=T0 + dt.timedelta(minutes=10))
    calls = []

    def crash(self, batch, case, alarm):
        calls.append(alarm)
        raise RuntimeError("worker died")

    with monkeypatch.context() as m:
        m.setattr(TicketClocks, "fire", crash)
        with pytest.raises(RuntimeError):
            run_sweep(T0 + dt.timedelta(hours=1))
    assert calls
    assert not Alarm.objects.filter(case_type=TABLE.name).exists()
    t.refresh_from_db()
    assert t.sweep_at is not None  # still due for the next sweep
    run_sweep(T0 + dt.timedelta(hours=1, minutes=1))
    assert fired(t) == ["answer:reminder", "answer:due"]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_act_once_per_alarm(settings):
    settings.DEADLINE_SWEEP_BATCH = 5
    for i in range(40):
        open_ticket(answer_due=T0 + dt.timedelta(minutes=i + 1))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(sweep.sweep(now=T0 + dt.timedelta(hours=2)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert sum(r["by_table"][TABLE.name]["alarms"] for r in results) == 80
    assert TicketEntry.objects.count() == 80
    assert Alarm.objects.filter(case_type=TABLE.name).count() == 80


def test_the_log_is_append_only_in_the_database(db):
    t = open_ticket(answer_due=T0)
    entry = TicketEntry.objects.create(ticket=t, kind="note", at=T0)
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TicketEntry.objects.filter(pk=entry.pk).update(note="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TicketEntry.objects.filter(pk=entry.pk).delete()
    assert TicketEntry.objects.get(pk=entry.pk).note == ""
