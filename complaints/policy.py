"""The clocks of SPEC §3 in one place.

Numbers come from ``ClockRule`` rows (editable in the admin); ``DEFAULT_RULES`` holds
the seeds' values and is used for any row a manager deleted. All arithmetic is in
Asia/Shanghai local time: "same day" means before 24:00 local time of the day the
clock starts, "N days" means the same time N calendar days later.

    clock                 starts       default
    route                 received     10 minutes       (002 §4.4)
    escalate_important    received     1 hour           (002 §4.5)
    escalate_major        received     same day         (002 §4.5)
    resolve_minor         received     2 days, or the resident's requested date if earlier
    resolve_important     received     3 days
    answer_major          received     2 days
    resolve_major         received     10 days
    upgrade               received     30 days: unresolved becomes major
    inform                handled      same day         (002 §7)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from .models import ClockRule, Grade

DEFAULT_RULES: dict[str, tuple[int, str]] = {
    ClockRule.Clock.ROUTE: (10, ClockRule.Unit.MINUTES),
    ClockRule.Clock.ESCALATE_IMPORTANT: (1, ClockRule.Unit.HOURS),
    ClockRule.Clock.ESCALATE_MAJOR: (0, ClockRule.Unit.SAME_DAY),
    ClockRule.Clock.RESOLVE_MINOR: (2, ClockRule.Unit.DAYS),
    ClockRule.Clock.RESOLVE_IMPORTANT: (3, ClockRule.Unit.DAYS),
    ClockRule.Clock.ANSWER_MAJOR: (2, ClockRule.Unit.DAYS),
    ClockRule.Clock.RESOLVE_MAJOR: (10, ClockRule.Unit.DAYS),
    ClockRule.Clock.UPGRADE: (30, ClockRule.Unit.DAYS),
    ClockRule.Clock.INFORM: (0, ClockRule.Unit.SAME_DAY),
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
# Who a grade is escalated to (SPEC §3) and who approves its extensions (SPEC §3).
ESCALATE_TO = {Grade.IMPORTANT: "office_director", Grade.MAJOR: "general_manager"}
EXTENSION_APPROVER = {
    Grade.MINOR: "office_director",
    Grade.IMPORTANT: "general_manager",
    Grade.MAJOR: "general_manager",
}


def load_rules() -> dict[str, tuple[int, str]]:
    rules = dict(DEFAULT_RULES)
    rules.update({r.clock: (r.amount, r.unit) for r in ClockRule.objects.all()})
    return rules


def add(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    local = timezone.localtime(start)
    if unit == ClockRule.Unit.MINUTES:
        return local + dt.timedelta(minutes=amount)
    if unit == ClockRule.Unit.HOURS:
        return local + dt.timedelta(hours=amount)
    if unit == ClockRule.Unit.DAYS:
        # Same wall-clock time N days later (Shanghai has no DST; this stays exact).
        return local + dt.timedelta(days=amount)
    if unit == ClockRule.Unit.SAME_DAY:
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight + dt.timedelta(days=1 + amount)
    raise ValueError(f"unknown clock unit {unit!r}")


@dataclass(frozen=True)
class Deadlines:
    route_due: dt.datetime
    escalate_due: dt.datetime | None
    answer_due: dt.datetime | None
    resolve_due: dt.datetime
    upgrade_due: dt.datetime | None


def deadlines_for(
    *,
    received_at: dt.datetime,
    grade: str,
    requested_deadline: dt.date | None = None,
    rules: dict[str, tuple[int, str]] | None = None,
) -> Deadlines:
    rules = rules or load_rules()

    def clock(name: str) -> dt.datetime:
        return add(received_at, *rules[name])

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
        answer_due=clock(ClockRule.Clock.ANSWER_MAJOR) if grade == Grade.MAJOR else None,
        resolve_due=resolve_due,
        upgrade_due=clock(ClockRule.Clock.UPGRADE) if grade != Grade.MAJOR else None,
    )


def inform_due_for(handled_at: dt.datetime) -> dt.datetime:
    return add(handled_at, *load_rules()[ClockRule.Clock.INFORM])
