"""The month's figures of repair orders (004 §4.2.9.2): per department and per
technician, the on-time dispatch and arrival rates (target 100 %), the rework rate
(target ≤ 1 %), the average minutes to arrive and to finish, and the paid revenue.

The closed orders' figures are kept by the database (``repairs.tallies``: a closed order
is final); the open ones are counted at the time asked, with conditional counts and sums
over the month's open orders, and the orders redone from the few reworks. All grouped by
department, technician and kind ids, then one query each for their names; the
departments, the technicians, the kinds and the total are rolled up from those few
groups, so no Python work is done per order.

Definitions (an order belongs to the month it was reported in):

- on-time dispatch: ``dispatched_at <= dispatch_due``, over the orders dispatched, and
  those never dispatched whose deadline ran out while they were open (closed later than
  ``dispatch_due``, or still open past it);
- on-time arrival: ``arrived_at <= arrive_due``, over the orders that arrived, and those
  that did not arrive though ``arrive_due`` ran out while they were open; an order whose
  first arrival was late before "cannot be done now" set a new time (``arrival_missed``)
  counts as late;
- rework rate: the orders redone (another order's ``rework_of`` is this one) over the
  closed orders (a rework is only ordered on a closed order);
- minutes reported → arrived, over the orders that arrived; arrived → work done, over
  those finished;
- paid revenue: the fees of the closed paid orders with a receipt number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.models import Department
from staff.prepared import Prepared
from staff.templatetags.staff_tags import person

from .models import RepairMonth, RepairOrder, Status

# Targets of 004 §4.2.9.2, in percent.
ON_TIME_TARGET = 100
REWORK_TARGET = 1

ZERO = dt.timedelta(0)


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100 * part / whole


def _minutes(total: dt.timedelta, n: int) -> float | None:
    return None if n == 0 else total.total_seconds() / 60 / n


@dataclass
class Figures:
    """The figures of one department, one technician or the whole month."""

    key: int | None
    label: str
    orders: int = 0
    dispatch_counted: int = 0
    dispatch_on_time: int = 0
    arrive_counted: int = 0
    arrive_on_time: int = 0
    closed: int = 0
    reworked: int = 0
    arrived: int = 0
    to_arrive: dt.timedelta = ZERO
    finished: int = 0
    to_finish: dt.timedelta = ZERO
    revenue: Decimal = field(default_factory=Decimal)

    def add(self, row: Mapping[str, Any]) -> None:
        for name in (
            "orders",
            "dispatch_counted",
            "dispatch_on_time",
            "arrive_counted",
            "arrive_on_time",
            "closed",
            "reworked",
            "arrived",
            "finished",
        ):
            setattr(self, name, getattr(self, name) + row.get(name, 0))
        self.to_arrive += row.get("to_arrive") or ZERO
        self.to_finish += row.get("to_finish") or ZERO
        self.revenue += row.get("revenue") or Decimal(0)

    @property
    def dispatch_rate(self) -> float | None:
        """Percent of the dispatches on time; None when there was none to count."""
        return _percent(self.dispatch_on_time, self.dispatch_counted)

    @property
    def arrive_rate(self) -> float | None:
        return _percent(self.arrive_on_time, self.arrive_counted)

    @property
    def rework_rate(self) -> float | None:
        return _percent(self.reworked, self.closed)

    @property
    def minutes_to_arrive(self) -> float | None:
        """Average minutes from the report to the technician on site."""
        return _minutes(self.to_arrive, self.arrived)

    @property
    def minutes_to_finish(self) -> float | None:
        """Average minutes from the technician on site to the work done."""
        return _minutes(self.to_finish, self.finished)

    @property
    def dispatch_ok(self) -> bool:
        return self.dispatch_rate is None or self.dispatch_rate >= ON_TIME_TARGET

    @property
    def arrive_ok(self) -> bool:
        return self.arrive_rate is None or self.arrive_rate >= ON_TIME_TARGET

    @property
    def rework_ok(self) -> bool:
        return self.rework_rate is None or self.rework_rate <= REWORK_TARGET


@dataclass
class MonthFigures:
    month_start: dt.date
    start: dt.datetime
    end: dt.datetime
    total: Figures
    departments: list[Figures]
    technicians: list[Figures]
    on_time_target: int = ON_TIME_TARGET
    rework_target: int = REWORK_TARGET


def month_bounds(month_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as aware datetimes in the local time zone: [first day, next first day)."""
    first = month_start.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(after, dt.time.min, tzinfo=tz),
    )


def _open_aggregates(now: dt.datetime) -> dict[str, Any]:
    """The figures of the open orders, as they stand at ``now`` (the closed ones are
    kept by the database: ``repairs.tallies``, counted as if ``now`` were their
    closure)."""
    return {
        "orders": Count("pk"),
        "dispatch_counted": Count(
            "pk", filter=Q(dispatched_at__isnull=False) | Q(dispatch_due__lt=now)
        ),
        "dispatch_on_time": Count("pk", filter=Q(dispatched_at__lte=F("dispatch_due"))),
        "arrive_counted": Count(
            "pk",
            filter=Q(arrived_at__isnull=False) | Q(arrive_due__lt=now) | Q(arrival_missed=True),
        ),
        "arrive_on_time": Count(
            "pk", filter=Q(arrived_at__lte=F("arrive_due"), arrival_missed=False)
        ),
        "arrived": Count("pk", filter=Q(arrived_at__isnull=False)),
        "to_arrive": Sum(F("arrived_at") - F("reported_at"), filter=Q(arrived_at__isnull=False)),
        "finished": Count("pk", filter=Q(finished_at__isnull=False, arrived_at__isnull=False)),
        "to_finish": Sum(
            F("finished_at") - F("arrived_at"),
            filter=Q(finished_at__isnull=False, arrived_at__isnull=False),
        ),
    }


_CLOSED_SUMS = (
    "orders",
    "dispatch_counted",
    "dispatch_on_time",
    "arrive_counted",
    "arrive_on_time",
    "arrived",
    "to_arrive",
    "finished",
    "to_finish",
    "revenue",
)


def _in_windows(column: str, windows: list[tuple[dt.datetime, dt.datetime]]) -> Q:
    q = Q()
    for start, end in windows:
        q |= Q(**{f"{column}__gte": start, f"{column}__lt": end})
    return q


def _month(column: str) -> Trunc:
    """The first day of the month of ``column``, local time."""
    return Trunc(column, "month", output_field=DateField())


_DIMS = ("department_id", "technician_id", "kind")


def _closed_groups(estate_ids: list[int], firsts: list[dt.date]) -> QuerySet:
    """The closed orders, from the counts the database keeps."""
    return (
        RepairMonth.objects.filter(estate_id__in=estate_ids, month__in=firsts)
        .values("month", *_DIMS)
        .annotate(**{name: Sum(name) for name in _CLOSED_SUMS})
        .filter(orders__gt=0)
        .order_by()
    )


def _open_groups(
    estate_ids: list[int], windows: list[tuple[dt.datetime, dt.datetime]], now: dt.datetime
) -> QuerySet:
    """The open orders, counted as they stand at ``now``."""
    return (
        RepairOrder.objects.filter(estate_id__in=estate_ids)
        .filter(_in_windows("reported_at", windows))
        .exclude(status=Status.CLOSED)  # repair_open_reported_idx
        .values(*_DIMS, month=_month("reported_at"))
        .annotate(**_open_aggregates(now))
        .order_by()
    )


def _reworked_groups(
    estate_ids: list[int], windows: list[tuple[dt.datetime, dt.datetime]]
) -> QuerySet:
    """The orders redone. A rework is ordered on a closed order, so it is reported after
    the order it redoes: only the reworks reported since the first month's start are
    read, off their own small index (repair_rework_idx), not every rework the table
    holds."""
    return (
        RepairOrder.objects.filter(
            rework_of__isnull=False,
            reported_at__gte=min(start for start, _end in windows),
            rework_of__estate_id__in=estate_ids,
        )
        .filter(_in_windows("rework_of__reported_at", windows))
        .values(*(f"rework_of__{d}" for d in _DIMS), month=_month("rework_of__reported_at"))
        .annotate(reworked=Count("rework_of_id", distinct=True))
        .order_by()
    )


def _zone() -> str:
    """What the month cut's SQL depends on besides the values: the local time zone."""
    return timezone.get_current_timezone_name()


# The board's one estate and one month, compiled once a process (staff.prepared): the
# three statements took the ORM as long to build as PostgreSQL to answer.
_one_closed = Prepared(lambda e, m: _closed_groups([e], [m]), int, dt.date, vary=_zone)
_one_open = Prepared(
    lambda e, start, end, now: _open_groups([e], [(start, end)], now),
    *(int, dt.datetime, dt.datetime, dt.datetime),
    vary=_zone,
)
_one_reworked = Prepared(
    lambda e, start, end: _reworked_groups([e], [(start, end)]),
    *(int, dt.datetime, dt.datetime),
    vary=_zone,
)


def _groups(
    estate_ids: list[int], months: list[dt.date], now: dt.datetime
) -> list[Mapping[str, Any]]:
    """The months' orders by (month, department, technician, kind): the closed ones from
    the counts the database keeps, the open ones counted now, and the orders redone (a
    rework's ``rework_of``), each a few groups. Three queries, whatever the number of
    months."""
    firsts = [m.replace(day=1) for m in months]
    windows = [month_bounds(m) for m in firsts]
    closed: list[Mapping[str, Any]]
    if len(estate_ids) == 1 and len(firsts) == 1:
        (e,), (first,), ((start, end),) = estate_ids, firsts, windows
        closed = _one_closed(e, first)
        opened = _one_open(e, start, end, now)
        reworked = _one_reworked(e, start, end)
    else:
        closed = list(_closed_groups(estate_ids, firsts))
        opened = list(_open_groups(estate_ids, windows, now))
        reworked = list(_reworked_groups(estate_ids, windows))
    return [
        *({**r, "closed": r["orders"]} for r in closed),
        *opened,
        *(
            {"month": r["month"], **{d: r[f"rework_of__{d}"] for d in _DIMS}}
            | {"reworked": r["reworked"]}
            for r in reworked
        ),
    ]


def month_totals(
    estate_ids: Iterable[int], months: list[dt.date], *, now: dt.datetime | None = None
) -> list[tuple[Figures, dict[str, int]]]:
    """For each of ``months``, the total figures of its orders and the orders by kind
    (no department, technician or name): three queries for them all."""
    totals = {m.replace(day=1): (Figures(None, _("All")), dict[str, int]()) for m in months}
    for row in _groups(list(estate_ids), months, now or timezone.now()):
        total, kinds = totals[row["month"]]
        total.add(row)
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + row.get("orders", 0)
    return [totals[m.replace(day=1)] for m in months]


def _department_labels(ids: set[int]) -> dict[int | None, str]:
    rows = list(Department.objects.filter(pk__in=ids).values_list("pk", "name", "estate__name"))
    several_estates = len({estate for _pk, _name, estate in rows}) > 1
    labels: dict[int | None, str] = {
        pk: f"{estate} · {name}" if several_estates else name for pk, name, estate in rows
    }
    labels[None] = _("No department")
    return labels


def _technician_labels(ids: set[int]) -> dict[int | None, str]:
    labels: dict[int | None, str] = {
        u.pk: person(u)
        for u in User.objects.filter(pk__in=ids).only("first_name", "last_name", "username")
    }
    labels[None] = _("Nobody yet")
    return labels


def month_figures(
    estate_ids: Iterable[int],
    month_start: dt.date,
    *,
    now: dt.datetime | None = None,
) -> MonthFigures:
    """The figures of the orders reported in the month of ``month_start`` at the
    estates ``estate_ids``: per department, per technician, per kind and in total (five
    queries: ``_groups``, then the names)."""
    now = now or timezone.now()
    start, end = month_bounds(month_start)
    rows = _groups(list(estate_ids), [month_start], now)
    total = Figures(None, _("All"))
    departments = _department_labels({r["department_id"] for r in rows} - {None})
    technicians = _technician_labels({r["technician_id"] for r in rows} - {None})
    by_department: dict[int | None, Figures] = {}
    by_technician: dict[int | None, Figures] = {}
    for row in rows:
        d, t = row["department_id"], row["technician_id"]
        if d not in by_department:
            by_department[d] = Figures(d, departments.get(d, str(d)))
        if t not in by_technician:
            by_technician[t] = Figures(t, technicians.get(t, str(t)))
        for figures in (total, by_department[d], by_technician[t]):
            figures.add(row)
    return MonthFigures(
        month_start=start.date(),
        start=start,
        end=end,
        total=total,
        departments=sorted(by_department.values(), key=lambda f: (f.key is None, f.label)),
        technicians=sorted(by_technician.values(), key=lambda f: (f.key is None, f.label)),
    )
