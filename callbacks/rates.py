"""The month's callback rates (SPEC §6; 003 §5.5 and §8, 004 §4.2.9.2): per estate, per
department and in total, with their targets (``callbacks.policy``).

A callback belongs to the month it fell due in: its ``opened_at`` (the complaint closed;
the repair handed in by engineering, 00:00 after the Friday of the week its work was
done) is in the month, local time (``repairs.figures.month_bounds``: [the first day
00:00, the next month's first day 00:00) in Asia/Shanghai). Callbacks recorded as not
needed (an anonymous complaint, or one outside the company's scope) are in no
denominator: they are counted beside the rates, as "no callback needed".

- complaint callback rate: complaint callbacks done (status ``done``: by phone, visit or
  public letter, ``by_letter`` counting those of method ``letter``) over the month's
  complaint callbacks (target ≥ 60 %, 003 §5.5);
- repair callback rate: repair callbacks done over the month's repair callbacks (target
  100 %, 004 §4.2.9.2);
- callback handling rate: callbacks dealt with (``done``, or ``unreachable`` after the
  tries allowed) over all the month's callbacks (target 100 %, 003 §8);
- satisfaction: satisfied plus basically satisfied over the callbacks done with a
  satisfaction recorded (a resident reached; a public letter records none), with the
  count of each answer.

A rate with nothing to count is ``None`` (shown as "—") and misses no target. The rates
are read as they stand at ``now``: a callback still to do counts as not done yet, and
``overdue`` says how many of those are past their deadline.

The month's callbacks grouped by estate, department, kind, status, satisfaction and
method are kept by the database (``callbacks.tallies``); one query reads them, one counts
those still due past their deadline at ``now``, and one each gives the estates' and
departments' names; the departments, estates and total are rolled up from those few dozen
groups, so nothing is done per callback in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from repairs.figures import month_bounds
from staff.models import Department, Estate

from . import policy
from .models import Callback, CallbackMonth, Method, Satisfaction, Status

# The callbacks are counted by what tells them apart for the rates: a few dozen groups a
# month, rolled up in Python.
GROUPS = ("estate_id", "department_id", "kind", "status", "satisfaction", "method")


def _increments(row: Mapping[str, Any]) -> dict[str, int]:
    """What one group of callbacks (``GROUPS``, ``n`` of them, ``overdue`` of those past
    their deadline) adds to the counts: the definitions of the module's docstring."""
    n, status, kind = row["n"], row["status"], row["kind"]
    add = {"callbacks": n}
    if status == Status.NOT_NEEDED:
        add["not_needed"] = n
        return add
    add["counted"] = add[f"{kind}_counted"] = n
    if status == Status.DUE:
        add["still_due"], add["overdue"] = n, row["overdue"]
    elif status == Status.UNREACHABLE:
        add["dealt"] = add["unreachable"] = n
    elif status == Status.DONE:
        add["dealt"] = add[f"{kind}_done"] = n
        if row["method"] == Method.LETTER:
            add["by_letter"] = n
        if row["satisfaction"] in Satisfaction.values:
            add[row["satisfaction"]] = n
    return add


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100 * part / whole


@dataclass
class Rates:
    """The counts and rates of one estate, one department or the whole month."""

    key: Any
    label: str
    callbacks: int = 0
    not_needed: int = 0
    counted: int = 0
    dealt: int = 0
    unreachable: int = 0
    still_due: int = 0
    overdue: int = 0
    complaint_counted: int = 0
    complaint_done: int = 0
    repair_counted: int = 0
    repair_done: int = 0
    by_letter: int = 0
    satisfied: int = 0
    basic: int = 0
    not_satisfied: int = 0

    def add(self, counts: Mapping[str, int]) -> None:
        for name, n in counts.items():
            setattr(self, name, getattr(self, name) + n)

    @property
    def rated(self) -> int:
        """Callbacks with a satisfaction recorded."""
        return self.satisfied + self.basic + self.not_satisfied

    @property
    def complaint_rate(self) -> float | None:
        """Percent of the complaint callbacks done; None when there was none."""
        return _percent(self.complaint_done, self.complaint_counted)

    @property
    def repair_rate(self) -> float | None:
        return _percent(self.repair_done, self.repair_counted)

    @property
    def handling_rate(self) -> float | None:
        return _percent(self.dealt, self.counted)

    @property
    def satisfaction_rate(self) -> float | None:
        return _percent(self.satisfied + self.basic, self.rated)

    @property
    def complaint_ok(self) -> bool:
        rate = self.complaint_rate
        return rate is None or rate >= policy.COMPLAINT_RATE_TARGET

    @property
    def repair_ok(self) -> bool:
        rate = self.repair_rate
        return rate is None or rate >= policy.REPAIR_RATE_TARGET

    @property
    def handling_ok(self) -> bool:
        rate = self.handling_rate
        return rate is None or rate >= policy.HANDLING_RATE_TARGET


@dataclass
class MonthRates:
    month_start: dt.date
    start: dt.datetime
    end: dt.datetime
    total: Rates
    estates: list[Rates]
    departments: list[Rates]
    complaint_target: int = policy.COMPLAINT_RATE_TARGET
    repair_target: int = policy.REPAIR_RATE_TARGET
    handling_target: int = policy.HANDLING_RATE_TARGET

    @property
    def rows(self) -> list[tuple[str, Rates]]:
        """The table's lines: the departments, the estates when there are several, then
        the total."""
        lines = [("department", r) for r in self.departments]
        if len(self.estates) > 1:
            lines += [("estate", r) for r in self.estates]
        return [*lines, ("total", self.total)]


def _labels(
    estate_ids: set[int], department_ids: set[int]
) -> tuple[dict[int, str], dict[int, str]]:
    estates = dict(Estate.objects.filter(pk__in=estate_ids).values_list("pk", "name"))
    departments = dict(Department.objects.filter(pk__in=department_ids).values_list("pk", "name"))
    return estates, departments


def month_rates(
    estate_ids: Iterable[int],
    month_start: dt.date,
    *,
    now: dt.datetime | None = None,
    overdue: bool = True,
    breakdown: bool = True,
) -> MonthRates:
    """The rates of the callbacks that fell due in the month of ``month_start`` at the
    estates ``estate_ids``: per estate, per department and in total. Four queries: the
    counts grouped (``GROUPS``), those overdue, then the estates' and departments'
    names. ``overdue=False``: no rate depends on it; those past their deadline are left
    uncounted (zero) and that query is not run. ``breakdown=False``: the total alone
    (no estates, no departments, no names to read)."""
    now = now or timezone.now()
    start, end = month_bounds(month_start)
    ids = list(estate_ids)
    groups: dict[tuple, dict[str, Any]] = {}
    for r in (
        CallbackMonth.objects.filter(estate_id__in=ids, month=start.date())
        .values(*GROUPS)
        .annotate(n=Sum("n"))
        .filter(n__gt=0)
        .order_by()
    ):
        groups[tuple(r[g] for g in GROUPS)] = {**r, "overdue": 0}
    # Those still due past their deadline, at ``now`` (callback_overdue_idx).
    late_ones = (
        Callback.objects.filter(
            estate_id__in=ids,
            status=Status.DUE,
            opened_at__gte=start,
            opened_at__lt=end,
            callback_due__lt=now,
        )
        .values(*GROUPS)
        .annotate(overdue=Count("pk"))
        .order_by()
    )
    for r in late_ones if overdue else ():
        key = tuple(r[g] for g in GROUPS)
        if key in groups:  # always, unless a row changed between the two reads
            groups[key]["overdue"] = r["overdue"]
    rows = list(groups.values())
    total = Rates(None, _("All"))
    if not breakdown:
        for row in rows:
            total.add(_increments(row))
        return MonthRates(start.date(), start, end, total, estates=[], departments=[])
    estate_names, department_names = _labels(
        {r["estate_id"] for r in rows}, {r["department_id"] for r in rows} - {None}
    )
    several = len(estate_names) > 1
    by_estate: dict[int, Rates] = {}
    by_department: dict[tuple[int, int | None], Rates] = {}
    for row in rows:
        e, d = row["estate_id"], row["department_id"]
        estate = estate_names.get(e, str(e))
        if e not in by_estate:
            by_estate[e] = Rates(e, estate)
        if (e, d) not in by_department:
            name = _("No department") if d is None else department_names.get(d, str(d))
            by_department[(e, d)] = Rates((e, d), f"{estate} · {name}" if several else name)
        counts = _increments(row)
        for rates in (total, by_estate[e], by_department[(e, d)]):
            rates.add(counts)
    return MonthRates(
        month_start=start.date(),
        start=start,
        end=end,
        total=total,
        estates=sorted(by_estate.values(), key=lambda r: r.label),
        # Estate by estate, "no department" last in each.
        departments=sorted(
            by_department.values(),
            key=lambda r: (estate_names.get(r.key[0], ""), r.key[1] is None, r.label),
        ),
    )
