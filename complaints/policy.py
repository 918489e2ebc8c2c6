"""The clocks of SPEC §3 in one place.

Numbers come from ``ClockRule`` rows (editable in the admin); ``DEFAULT_RULES`` holds
the seeds' values and is used for any row a manager deleted. All times are Asia/Shanghai.

Units:
- minutes, hours, calendar days: plain arithmetic ("2 days" = same time two days later);
- working days: by the end of working hours of the N-th working day after the day the
  clock starts (company calendar: holidays and make-up working days, staff.calendar);
- the same day: before 24:00 of the day the clock starts. A clock that starts after
  working hours (after the company's end of work, any day of the week) is due one hour
  after the start of work the next calendar morning: nobody is given minutes before
  midnight, and a major complaint still reaches the general manager within hours, even
  over a holiday (the duty officer and the managers' phones work every day).

    clock                 starts       default
    route                 received     10 minutes            (002 §4.4, 004 §4.3.4)
    escalate_important    received     1 hour                (002 §4.5)
    escalate_major        received     the same day          (002 §4.5)
    resolve_minor         received     2 days, or the resident's date if sooner
    resolve_important     received     3 days
    resolve_major         received     10 days
    answer_major          received     2 days                (a clear answer)
    reply_oral            received     1 working day         (003: visit, phone, staff)
    reply_written         received     3 working days        (003: letter, suggestion box)
    upgrade               received     30 days: unresolved becomes major
    inform                handled      the same day          (002 §7)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from staff.calendar import Calendar

from .models import Channel, ClockRule, Grade

Rule = tuple[int, str, int]  # amount, unit, reminder percent

DEFAULT_RULES: dict[str, Rule] = {
    ClockRule.Clock.ROUTE: (10, ClockRule.Unit.MINUTES, 75),
    ClockRule.Clock.ESCALATE_IMPORTANT: (1, ClockRule.Unit.HOURS, 0),
    ClockRule.Clock.ESCALATE_MAJOR: (0, ClockRule.Unit.SAME_DAY, 0),
    ClockRule.Clock.RESOLVE_MINOR: (2, ClockRule.Unit.DAYS, 75),
    ClockRule.Clock.RESOLVE_IMPORTANT: (3, ClockRule.Unit.DAYS, 75),
    ClockRule.Clock.ANSWER_MAJOR: (2, ClockRule.Unit.DAYS, 75),
    ClockRule.Clock.RESOLVE_MAJOR: (10, ClockRule.Unit.DAYS, 75),
    ClockRule.Clock.UPGRADE: (30, ClockRule.Unit.DAYS, 0),
    ClockRule.Clock.INFORM: (0, ClockRule.Unit.SAME_DAY, 75),
    ClockRule.Clock.REPLY_ORAL: (1, ClockRule.Unit.WORKING_DAYS, 75),
    ClockRule.Clock.REPLY_WRITTEN: (3, ClockRule.Unit.WORKING_DAYS, 75),
}

RESOLVE_CLOCK = {
    Grade.MINOR: ClockRule.Clock.RESOLVE_MINOR,
    Grade.IMPORTANT: ClockRule.Clock.RESOLVE_IMPORTANT,
    Grade.MAJOR: ClockRule.Clock.RESOLVE_MAJOR,
}
ESCALATE_CLOCK = {
    Grade.IMPORTANT: ClockRule.Clock.ESCALATE_IMPORTANT,
    Grade.MAJOR: ClockRule.Clock.ESCALATE_MAJOR,
}
WRITTEN_CHANNELS = {Channel.LETTER, Channel.SUGGESTION_BOX}
# Who a grade is escalated to, and who approves its extensions (SPEC §3).
ESCALATE_TO = {Grade.IMPORTANT: "office_director", Grade.MAJOR: "general_manager"}
EXTENSION_APPROVER = {
    Grade.MINOR: "office_director",
    Grade.IMPORTANT: "general_manager",
    Grade.MAJOR: "general_manager",
}


def ensure_clock_rules() -> None:
    """Create the row of any clock that has none, with the seeds' numbers."""
    for clock, (amount, unit, remind) in DEFAULT_RULES.items():
        ClockRule.objects.get_or_create(
            clock=clock, defaults={"amount": amount, "unit": unit, "remind_at_percent": remind}
        )


def load_rules() -> dict[str, Rule]:
    rules = dict(DEFAULT_RULES)
    rules.update(
        {r.clock: (r.amount, r.unit, r.remind_at_percent) for r in ClockRule.objects.all()}
    )
    return rules


def add(
    start: dt.datetime, amount: int, unit: str, calendar: Calendar | None = None
) -> dt.datetime:
    local = timezone.localtime(start)
    if unit == ClockRule.Unit.MINUTES:
        return local + dt.timedelta(minutes=amount)
    if unit == ClockRule.Unit.HOURS:
        return local + dt.timedelta(hours=amount)
    if unit == ClockRule.Unit.DAYS:
        # Same wall-clock time N days later (Shanghai has no DST; this stays exact).
        return local + dt.timedelta(days=amount)
    calendar = calendar or Calendar(None)
    if unit == ClockRule.Unit.WORKING_DAYS:
        return calendar.add_working_days(local, amount)
    if unit == ClockRule.Unit.SAME_DAY:
        return same_day(local, calendar, extra_days=amount)
    raise ValueError(f"unknown clock unit {unit!r}")


def same_day(start: dt.datetime, calendar: Calendar, extra_days: int = 0) -> dt.datetime:
    """Before 24:00 of the start day; after working hours, by an hour into the next
    morning's working hours (see the module's docstring)."""
    local = timezone.localtime(start)
    day = local.date() + dt.timedelta(days=extra_days)
    if local.time() >= calendar.work_end:
        next_morning = dt.datetime.combine(day + dt.timedelta(days=1), calendar.work_start)
        return timezone.make_aware(next_morning) + dt.timedelta(hours=1)
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


@dataclass(frozen=True)
class Deadlines:
    route_due: dt.datetime
    escalate_due: dt.datetime | None
    answer_due: dt.datetime | None
    resolve_due: dt.datetime
    upgrade_due: dt.datetime | None


def answer_clock(grade: str, channel: str) -> str:
    if grade == Grade.MAJOR:
        return ClockRule.Clock.ANSWER_MAJOR
    if channel in WRITTEN_CHANNELS:
        return ClockRule.Clock.REPLY_WRITTEN
    return ClockRule.Clock.REPLY_ORAL


def deadlines_for(
    *,
    received_at: dt.datetime,
    grade: str,
    channel: str = Channel.PHONE,
    requested_deadline: dt.date | None = None,
    rules: dict[str, Rule] | None = None,
    calendar: Calendar | None = None,
) -> Deadlines:
    rules = rules or load_rules()
    calendar = calendar or Calendar(None)

    def clock(name: str) -> dt.datetime:
        return due_after(name, received_at, rules=rules, calendar=calendar)

    resolve_due = clock(RESOLVE_CLOCK[grade])
    if grade == Grade.MINOR and requested_deadline is not None:
        # The resident's date counts to the end of that day, and only if it is sooner.
        asked = timezone.make_aware(
            dt.datetime.combine(requested_deadline + dt.timedelta(days=1), dt.time.min)
        )
        resolve_due = min(resolve_due, asked)
    return Deadlines(
        route_due=clock(ClockRule.Clock.ROUTE),
        escalate_due=clock(ESCALATE_CLOCK[grade]) if grade in ESCALATE_CLOCK else None,
        answer_due=clock(answer_clock(grade, channel)),
        resolve_due=resolve_due,
        upgrade_due=clock(ClockRule.Clock.UPGRADE) if grade != Grade.MAJOR else None,
    )


def due_after(
    clock: str,
    start: dt.datetime,
    *,
    rules: dict[str, Rule] | None = None,
    calendar: Calendar | None = None,
) -> dt.datetime:
    """When ``clock`` (a ClockRule.Clock) that started at ``start`` is due."""
    amount, unit, _remind = (rules or load_rules())[clock]
    return add(start, amount, unit, calendar)


def inform_due_for(handled_at: dt.datetime, calendar: Calendar | None = None) -> dt.datetime:
    return due_after(ClockRule.Clock.INFORM, handled_at, calendar=calendar)


def reminder_percent(rules: dict[str, Rule], clock: str) -> int:
    return rules.get(clock, DEFAULT_RULES.get(clock, (0, "", 0)))[2]
