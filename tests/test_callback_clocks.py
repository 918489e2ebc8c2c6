"""The callback's clock on the shared engine (SPEC §6): due 3 working days after the
complaint was closed or the repair's work was done, in the company's calendar; a
reminder to the desk before, the supervisors told when it runs out, each once; nothing
for a callback done in time, and no clock at all for one that needs none or cannot be
made. Each boundary on both sides."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from callbacks import services
from callbacks.clocks import TABLE
from callbacks.models import Callback, CallbackEvent, EventKind, Status
from casework.models import Alarm, ClockRule
from casework.rules import specs
from casework.sweep import registered
from casework.sweep import sweep as deadline_sweep
from casework.tasks import sweep_deadlines
from complaints import services as complaint_services
from repairs.models import Status as RepairStatus
from staff.models import CalendarDay, Notification
from tests.factories.complaints import advance, make_complaint
from tests.factories.repairs import advance as advance_order
from tests.factories.repairs import make_order


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Chinese ones are the catalog's."""
    with translation.override("en"):
        yield


SH = ZoneInfo("Asia/Shanghai")
FRIDAY = dt.datetime(2026, 11, 27, 10, 0, tzinfo=SH)  # an ordinary Friday morning
WEDNESDAY_EVENING = dt.datetime(2026, 12, 2, 17, 30, tzinfo=SH)  # its third working day's end
# The reminder at 75 % of the time from the close to the deadline (wall-clock time).
REMINDER = dt.datetime(2026, 12, 1, 9, 37, 30, tzinfo=SH)
SECOND = dt.timedelta(seconds=1)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def sweep(moment: dt.datetime):
    with at(moment):
        return deadline_sweep()


@pytest.fixture
def people(clerk, duty_officer, dept_head, supervisor, director):
    return {
        "clerk": clerk,
        "duty": duty_officer,
        "head": dept_head,
        "supervisor": supervisor,
        "director": director,
    }


def closed_at(moment: dt.datetime, people, **fields) -> Callback:
    """A complaint received, handled and closed at ``moment``: its callback."""
    with at(moment):
        c = make_complaint(clerk=people["clerk"], **fields)
        advance(c, to="closed", clerk=people["clerk"], head=people["head"])
    return Callback.objects.get(complaint=c)


def overdue(cb: Callback) -> list[CallbackEvent]:
    return list(CallbackEvent.objects.filter(callback=cb, kind=EventKind.OVERDUE))


def told(user, cb: Callback, kind: str = "due"):
    return Notification.objects.filter(recipient=user, key__startswith=f"callback:{cb.pk}:{kind}:")


def alarms(cb: Callback):
    return Alarm.objects.filter(case_type="callback", case_id=cb.pk)


def record(actor, cb: Callback, moment: dt.datetime, **fields) -> None:
    fields = {"method": "phone", "reached": True, "satisfaction": "satisfied", **fields}
    with at(moment):
        services.callback_record(actor=actor, callback_id=cb.pk, **fields)


def nothing_fired(cb: Callback) -> None:
    assert overdue(cb) == []
    assert not alarms(cb).exists()
    assert not Notification.objects.filter(key__startswith=f"callback:{cb.pk}:").exists()


# --- the rule ---------------------------------------------------------------------------


def test_the_callback_rule_is_in_the_rule_book(db):
    rule = ClockRule.objects.get(key="callback.due")
    assert (rule.amount, rule.unit, rule.remind_at_percent) == (3, "working_days", 75)
    assert "003 §5" in rule.source
    assert "callback.due" in specs()
    assert TABLE in registered()


def test_a_manager_s_number_is_used(people):
    ClockRule.objects.filter(key="callback.due").update(amount=1)
    cb = closed_at(FRIDAY, people)
    assert cb.callback_due == dt.datetime(2026, 11, 30, 17, 30, tzinfo=SH)  # Monday


# --- the deadline: 3 working days, in the company's calendar -----------------------------


def test_a_close_on_a_friday_is_due_the_next_wednesday(people):
    cb = closed_at(FRIDAY, people)
    assert cb.opened_at == FRIDAY
    assert cb.callback_due == cb.next_due == WEDNESDAY_EVENING
    assert cb.sweep_at == REMINDER


def sh(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SH)


@pytest.mark.parametrize(
    ("closed", "due"),
    [
        # The Thursday's last second: Friday, Monday, Tuesday.
        (sh(2026, 11, 26, 23, 59, 59), sh(2026, 12, 1, 17, 30)),
        # The Friday, after working hours too: Monday, Tuesday, Wednesday.
        (sh(2026, 11, 27, 23, 59, 59), sh(2026, 12, 2, 17, 30)),
        # Over the weekend: the same.
        (sh(2026, 11, 28, 10, 0), sh(2026, 12, 2, 17, 30)),
        (sh(2026, 11, 29, 23, 59, 59), sh(2026, 12, 2, 17, 30)),
        # From Monday's first second, Monday is the start day: Thursday.
        (sh(2026, 11, 30, 0, 0), sh(2026, 12, 3, 17, 30)),
    ],
)
def test_the_count_starts_from_the_day_of_the_close(people, closed, due):
    cb = closed_at(closed, people)
    assert cb.callback_due == due


def test_a_holiday_in_between_moves_it(people, ch):
    CalendarDay.objects.create(company=ch.company, date=dt.date(2026, 11, 30), kind="holiday")
    cb = closed_at(FRIDAY, people)
    assert cb.callback_due == dt.datetime(2026, 12, 3, 17, 30, tzinfo=SH)  # Thursday


def test_a_make_up_working_day_brings_it_forward(people, ch):
    CalendarDay.objects.create(company=ch.company, date=dt.date(2026, 11, 28), kind="workday")
    cb = closed_at(FRIDAY, people)
    assert cb.callback_due == dt.datetime(2026, 12, 1, 17, 30, tzinfo=SH)  # Tuesday


def test_national_day_is_skipped_and_its_make_up_saturday_counted(people):
    # Wednesday 30 September 2026: 1–7 October off, Saturday 10 October worked.
    cb = closed_at(dt.datetime(2026, 9, 30, 16, 0, tzinfo=SH), people)
    assert cb.callback_due == dt.datetime(2026, 10, 10, 17, 30, tzinfo=SH)


def test_the_company_s_working_hours_end_the_day(people, ch):
    from staff.models import BusinessCalendar

    BusinessCalendar.objects.create(company=ch.company, work_start="09:00", work_end="18:00")
    cb = closed_at(FRIDAY, people)
    assert cb.callback_due == dt.datetime(2026, 12, 2, 18, 0, tzinfo=SH)


def test_a_repair_is_due_three_working_days_after_the_weeks_hand_in(people, technician):
    """Work done on a Wednesday is handed in that Friday (003 §5.7); the desk has three
    working days of the week after."""
    done = dt.datetime(2026, 11, 25, 15, 0, tzinfo=SH)  # a Wednesday
    with at(done):
        o = advance_order(
            make_order(clerk=people["clerk"]),
            to=RepairStatus.CLOSED,
            clerk=people["clerk"],
            technician=technician,
        )
    cb = Callback.objects.get(repair_order=o)
    assert cb.opened_at == dt.datetime(2026, 11, 28, 0, 0, tzinfo=SH)  # after Friday
    assert cb.callback_due == dt.datetime(2026, 12, 2, 17, 30, tzinfo=SH)  # Wednesday
    sweep(cb.callback_due - SECOND)
    assert overdue(cb) == []
    sweep(cb.callback_due)
    assert len(overdue(cb)) == 1
    assert told(people["supervisor"], cb).count() == 1


# --- the reminder: to the desk, before --------------------------------------------------------


def test_the_reminder_goes_to_the_desk_at_75_percent_not_before(people):
    cb = closed_at(FRIDAY, people)
    sweep(REMINDER - SECOND)
    for who in people:
        assert not told(people[who], cb, "reminder").exists()
    sweep(REMINDER)
    for who in ("clerk", "duty"):
        [note] = told(people[who], cb, "reminder")
        assert note.kind == Notification.Kind.DUE_SOON
        assert note.subject == f"[翠湖花园] due soon: the callback of {cb.complaint.number}"
    for who in ("supervisor", "head", "director"):
        assert not told(people[who], cb, "reminder").exists()
    assert overdue(cb) == []
    sweep(REMINDER + dt.timedelta(hours=1))
    assert told(people["clerk"], cb, "reminder").count() == 1  # once
    cb.refresh_from_db()
    assert cb.sweep_at == WEDNESDAY_EVENING  # next: the deadline itself


def test_a_sweep_that_catches_up_after_the_deadline_sends_no_reminder(people):
    cb = closed_at(FRIDAY, people)
    sweep(WEDNESDAY_EVENING + dt.timedelta(hours=1))
    assert not told(people["clerk"], cb, "reminder").exists()
    assert told(people["supervisor"], cb).count() == 1
    assert len(overdue(cb)) == 1


# --- overdue: to the supervisors, once ---------------------------------------------------------


def test_overdue_at_the_deadline_not_before_and_once(people):
    cb = closed_at(FRIDAY, people)
    sweep(WEDNESDAY_EVENING - SECOND)
    assert overdue(cb) == []
    assert not told(people["supervisor"], cb).exists()
    sweep(WEDNESDAY_EVENING)
    [entry] = overdue(cb)
    assert (entry.actor, entry.at) == (None, WEDNESDAY_EVENING)
    assert dt.datetime.fromisoformat(entry.data["due"]) == WEDNESDAY_EVENING
    [note] = told(people["supervisor"], cb)
    assert note.kind == Notification.Kind.OVERDUE
    assert note.subject == f"[翠湖花园] overdue: the callback of {cb.complaint.number}"
    for who in ("clerk", "duty", "head", "director"):
        assert not told(people[who], cb).exists()
    sweep(WEDNESDAY_EVENING + dt.timedelta(days=1))  # the sweep again: nothing new
    assert len(overdue(cb)) == 1
    assert told(people["supervisor"], cb).count() == 1
    assert alarms(cb).count() == 2  # the reminder and the deadline
    cb.refresh_from_db()
    assert (cb.status, cb.next_due, cb.sweep_at) == (Status.DUE, WEDNESDAY_EVENING, None)


def test_the_beat_task_fires_the_overdue_alarm(people):
    cb = closed_at(FRIDAY, people)
    with at(WEDNESDAY_EVENING):
        sweep_deadlines()
        sweep_deadlines()
    assert len(overdue(cb)) == 1
    assert told(people["supervisor"], cb).count() == 1


def test_a_callback_recorded_late_keeps_its_overdue_entry(people):
    cb = closed_at(FRIDAY, people)
    sweep(WEDNESDAY_EVENING)
    record(people["clerk"], cb, WEDNESDAY_EVENING + dt.timedelta(hours=1))
    sweep(WEDNESDAY_EVENING + dt.timedelta(days=2))
    assert len(overdue(cb)) == 1
    cb.refresh_from_db()
    assert (cb.status, cb.next_due, cb.sweep_at) == (Status.DONE, None, None)


def test_tries_without_reaching_the_resident_do_not_stop_the_clock(people, settings):
    settings.CALLBACK_MAX_TRIES = 3
    cb = closed_at(FRIDAY, people)
    for hours in (1, 2):
        record(people["clerk"], cb, FRIDAY + dt.timedelta(hours=hours), reached=False)
    cb.refresh_from_db()
    assert (cb.status, cb.next_due, cb.sweep_at) == (Status.DUE, WEDNESDAY_EVENING, REMINDER)
    sweep(WEDNESDAY_EVENING)
    assert len(overdue(cb)) == 1


# --- nothing to fire ----------------------------------------------------------------------


def test_a_callback_done_in_time_fires_nothing(people):
    cb = closed_at(FRIDAY, people)
    record(people["clerk"], cb, WEDNESDAY_EVENING - SECOND)
    cb.refresh_from_db()
    assert (cb.next_due, cb.sweep_at) == (None, None)
    sweep(WEDNESDAY_EVENING + dt.timedelta(days=1))
    nothing_fired(cb)


def test_done_after_the_reminder_fires_no_overdue(people):
    cb = closed_at(FRIDAY, people)
    sweep(REMINDER)
    record(people["clerk"], cb, WEDNESDAY_EVENING - SECOND)
    sweep(WEDNESDAY_EVENING + dt.timedelta(days=1))
    assert overdue(cb) == []
    assert not told(people["supervisor"], cb).exists()
    assert list(alarms(cb).values_list("kind", flat=True)) == [Alarm.Kind.REMINDER]


def test_not_satisfied_in_time_fires_nothing_on_the_callback(people):
    cb = closed_at(FRIDAY, people)
    record(people["clerk"], cb, FRIDAY + dt.timedelta(days=1), satisfaction="not_satisfied")
    sweep(WEDNESDAY_EVENING + dt.timedelta(days=1))
    assert overdue(cb) == [] and not alarms(cb).exists()


def test_an_unreachable_callback_has_no_clock(people, settings):
    settings.CALLBACK_MAX_TRIES = 1
    cb = closed_at(FRIDAY, people)
    record(people["clerk"], cb, FRIDAY + dt.timedelta(hours=1), reached=False)
    cb.refresh_from_db()
    assert (cb.status, cb.next_due, cb.sweep_at) == (Status.UNREACHABLE, None, None)
    sweep(WEDNESDAY_EVENING + dt.timedelta(days=1))
    nothing_fired(cb)


def test_an_anonymous_complaint_s_callback_has_no_clock(people):
    cb = closed_at(FRIDAY, people, anonymous=True, resident_name="", resident_phone="")
    assert (cb.status, cb.callback_due, cb.next_due, cb.sweep_at) == (
        Status.NOT_NEEDED,
        None,
        None,
        None,
    )
    sweep(WEDNESDAY_EVENING + dt.timedelta(days=1))
    nothing_fired(cb)


def test_an_out_of_scope_complaint_s_callback_has_no_clock(people):
    with at(FRIDAY):
        c = make_complaint(clerk=people["clerk"])
        complaint_services.complaint_mark_out_of_scope(
            actor=people["clerk"], complaint_id=c.pk, note="属市政管辖，已解释"
        )
    cb = Callback.objects.get(complaint=c)
    assert (cb.status, cb.callback_due, cb.sweep_at) == (Status.NOT_NEEDED, None, None)
    sweep(WEDNESDAY_EVENING + dt.timedelta(days=1))
    nothing_fired(cb)


def test_callbacks_answered_by_a_letter_have_no_clock(people, ch):
    first, second = closed_at(FRIDAY, people), closed_at(FRIDAY, people)
    with at(WEDNESDAY_EVENING - SECOND):
        services.letter_write(
            actor=people["clerk"],
            estate_id=ch.pk,
            title="关于停水的说明",
            body="各位住户：……",
            callback_ids=[first.pk, second.pk],
        )
    sweep(WEDNESDAY_EVENING + dt.timedelta(days=1))
    for cb in (first, second):
        cb.refresh_from_db()
        assert (cb.next_due, cb.sweep_at) == (None, None)
        nothing_fired(cb)
