"""The business calendar: which days are working days, and clocks counted in them.

A day is a working day by these rules, first match wins:
1. a CalendarDay row of the company (a manager's entry: holiday or make-up working day);
2. for years the ``chinesecalendar`` package knows (it is published up to the current
   year; next year's schedule comes out each winter), its answer, which includes
   China's make-up working days (调休);
3. Monday to Friday.

So a year nobody has entered and the package does not know falls back to weekends
only; ``year_is_known`` lets the admin warn about it. "N working days" means by the end
of working hours of the N-th working day after the day the clock starts.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
from django.utils import timezone

from .models import BusinessCalendar, CalendarDay, Company

DEFAULT_START = dt.time(8, 30)
DEFAULT_END = dt.time(17, 30)


@lru_cache(maxsize=4096)
def _package_says_workday(day: dt.date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def package_knows_year(year: int) -> bool:
    return _package_says_workday(dt.date(year, 1, 1)) is not None


def year_is_known(company: Company, year: int) -> bool:
    """True when managers entered days for ``year`` or the package knows it."""
    return (
        package_knows_year(year)
        or CalendarDay.objects.filter(company=company, date__year=year).exists()
    )


class Calendar:
    """A company's calendar loaded once; ask it many questions without more queries."""

    def __init__(self, company_id: int | None):
        if company_id is None:  # no company: the defaults and the package's calendar
            self.work_start, self.work_end, self.overrides = DEFAULT_START, DEFAULT_END, {}
            return
        hours = BusinessCalendar.objects.filter(company_id=company_id).first()
        self.work_start = hours.work_start if hours else DEFAULT_START
        self.work_end = hours.work_end if hours else DEFAULT_END
        self.overrides = dict(
            CalendarDay.objects.filter(company_id=company_id).values_list("date", "kind")
        )

    def is_workday(self, day: dt.date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == CalendarDay.Kind.WORKDAY
        known = _package_says_workday(day)
        if known is not None:
            return known
        return day.weekday() < 5

    def next_workday(self, day: dt.date) -> dt.date:
        day += dt.timedelta(days=1)
        for _ in range(370):
            if self.is_workday(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no working day within a year")

    def end_of_work(self, day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, self.work_end))

    def add_working_days(self, start: dt.datetime, n: int) -> dt.datetime:
        """By the end of working hours of the n-th working day after the start day."""
        day = timezone.localtime(start).date()
        for _ in range(n):
            day = self.next_workday(day)
        return self.end_of_work(day)

    def in_working_hours(self, moment: dt.datetime) -> bool:
        local = timezone.localtime(moment)
        return self.is_workday(local.date()) and self.work_start <= local.time() < self.work_end


def seed_year(company: Company, year: int) -> int:
    """Copy the package's holidays and make-up working days of ``year`` into rows that
    managers can then edit. Existing rows are kept. Returns how many were added."""
    if not package_knows_year(year):
        return 0
    added = 0
    day = dt.date(year, 1, 1)
    while day.year == year:
        workday = chinese_calendar.is_workday(day)
        weekend = day.weekday() >= 5
        if workday == weekend:  # differs from the weekly rule
            _holiday, name = chinese_calendar.get_holiday_detail(day)
            _row, created = CalendarDay.objects.get_or_create(
                company=company,
                date=day,
                defaults={
                    "kind": CalendarDay.Kind.WORKDAY if workday else CalendarDay.Kind.HOLIDAY,
                    "name": name or "",
                },
            )
            added += created
        day += dt.timedelta(days=1)
    return added
