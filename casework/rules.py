"""The rule book: every clock's numbers, and the arithmetic that turns a start and a
rule into a deadline.

A domain app names its clocks with ``register_rules`` (key, label, the seeds' default
and where the seeds say so); managers change the numbers in the admin (``ClockRule``
rows). ``RuleBook`` holds the rules and a company's business calendar, loaded once per
request or sweep batch and passed to whatever computes a deadline.

Units (all times Asia/Shanghai):
- minutes, hours, calendar days: plain arithmetic ("2 days" = same time two days later);
- working days: by the end of working hours of the N-th working day after the day the
  clock starts (company calendar: holidays and make-up working days, staff.calendar);
- the same day: before 24:00 of the day the clock starts. A clock that starts after
  working hours (after the company's end of work, any day of the week) is due one hour
  after the start of work the next calendar morning: nobody is given minutes before
  midnight, and urgent work still reaches a manager within hours, even over a holiday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from django.utils import timezone
from django.utils.functional import Promise

from staff.calendar import Calendar

from .models import ClockRule, Unit


class Rule(NamedTuple):
    amount: int
    unit: str
    remind_at_percent: int


@dataclass(frozen=True)
class RuleSpec:
    """A clock a domain app owns: its key, what managers read, the seeds' numbers."""

    key: str
    label: str | Promise
    default: Rule
    source: str = ""


_SPECS: dict[str, RuleSpec] = {}


def register_rules(*specs: RuleSpec) -> None:
    """Called by a domain app at import of its policy module; a key is owned once."""
    for spec in specs:
        known = _SPECS.get(spec.key)
        if known is not None and known != spec:
            raise ValueError(f"clock rule {spec.key!r} is registered twice")
        if not isinstance(spec.default, Rule):
            spec = RuleSpec(spec.key, spec.label, Rule(*spec.default), spec.source)
        _SPECS[spec.key] = spec


def specs() -> Mapping[str, RuleSpec]:
    return _SPECS


def ensure_rules() -> int:
    """Give every registered clock its row, with the seeds' numbers, and keep each
    row's source in the seeds as the domain app states it. Returns how many rows were
    added (a manager's numbers are never overwritten)."""
    existing = dict(ClockRule.objects.values_list("key", "source"))
    rows = [
        ClockRule(
            key=s.key,
            amount=s.default.amount,
            unit=s.default.unit,
            remind_at_percent=s.default.remind_at_percent,
            source=s.source,
        )
        for s in _SPECS.values()
        if s.key not in existing
    ]
    ClockRule.objects.bulk_create(rows, ignore_conflicts=True)
    for s in _SPECS.values():
        if s.key in existing and existing[s.key] != s.source:
            ClockRule.objects.filter(key=s.key).update(source=s.source)
    return len(rows)


def load_rules() -> dict[str, Rule]:
    """Every clock's numbers: the rows, and the seeds' default for a deleted row."""
    rules = {key: spec.default for key, spec in _SPECS.items()}
    rules.update(
        {
            key: Rule(amount, unit, remind)
            for key, amount, unit, remind in ClockRule.objects.values_list(
                "key", "amount", "unit", "remind_at_percent"
            )
        }
    )
    return rules


def add(start: dt.datetime, amount: int, unit: str, calendar: Calendar) -> dt.datetime:
    local = timezone.localtime(start)
    if unit == Unit.MINUTES:
        return local + dt.timedelta(minutes=amount)
    if unit == Unit.HOURS:
        return local + dt.timedelta(hours=amount)
    if unit == Unit.DAYS:
        # Same wall-clock time N days later (Shanghai has no DST; this stays exact).
        return local + dt.timedelta(days=amount)
    if unit == Unit.WORKING_DAYS:
        return calendar.add_working_days(local, amount)
    if unit == Unit.SAME_DAY:
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


class RuleBook:
    """The rules and one company's calendar: everything a deadline needs, loaded once
    and passed explicitly to whatever computes one."""

    def __init__(self, rules: Mapping[str, Rule], calendar: Calendar):
        self.rules = rules
        self.calendar = calendar

    @classmethod
    def load(cls, company_id: int | None) -> RuleBook:
        return cls(load_rules(), Calendar(company_id))

    def rule(self, key: str) -> Rule:
        return self.rules[key]

    def due_after(self, key: str, start: dt.datetime) -> dt.datetime:
        """When clock ``key``, started at ``start``, is due."""
        amount, unit, _remind = self.rules[key]
        return add(start, amount, unit, self.calendar)

    def add(self, start: dt.datetime, amount: int, unit: str) -> dt.datetime:
        return add(start, amount, unit, self.calendar)

    def reminder_percent(self, key: str) -> int:
        rule = self.rules.get(key)
        return rule.remind_at_percent if rule else 0


class RuleBooks:
    """Rule books by company for a sweep: the rules read once, when first needed (a
    sweep with nothing due reads none), each calendar once."""

    def __init__(self, rules: Mapping[str, Rule] | None = None):
        self._rules = rules
        self._books: dict[int | None, RuleBook] = {}

    @property
    def rules(self) -> Mapping[str, Rule]:
        if self._rules is None:
            self._rules = load_rules()
        return self._rules

    def __call__(self, company_id: int | None) -> RuleBook:
        book = self._books.get(company_id)
        if book is None:
            book = self._books[company_id] = RuleBook(self.rules, Calendar(company_id))
        return book
