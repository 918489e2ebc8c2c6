"""The month's statistics and analysis for the supervisor (SPEC §7; 002 §8, 004 §4.2.9.3):
complaints, the on-time rates of their clocks, callbacks, repairs, and the staff
complained about in the year (000 part 2 §12). ``build_report`` returns a plain,
JSON-serialisable dict: it is stored in a JSONField and rendered by a generic template.

Every figure is given for the month, the month before and the same month a year before.
The figures come from the counts the database keeps (``reports.counts``: a few hundred
rows a month, whatever the number of cases), and what depends on the time from small
partial indexes; each query covers the three months at once where it can, grouped by
month, so the few groups, not the rows, are rolled up in Python. A month is
[the first day 00:00, the next month's first day 00:00) in Asia/Shanghai
(``repairs.figures.month_bounds``).

Definitions:

- complaints: those received in the month, at the estates given; by grade (as it stands
  now, after any regrade or upgrade), channel, category and the department it was routed
  to; in scope (``in_scope``) or not; solved on the spot (``closure``); repeat
  (``repeat_of`` set); escalated (``escalated_to`` set, by hand or by the sweep);
- extensions: the complaints received in the month whose department asked for one
  (each complaint once); approved and refused by the decision now;
- a clock's on-time rate: over the complaints whose deadline (the clock's ``due`` column,
  ``complaints.clocks.TABLE``) fell in the month, those whose ``done`` column is set and
  ``<= due`` are on time; those done later, or not done though the deadline ran out
  while the complaint was open (closed after it, or still open at ``now``), are late;
  the others (not yet due; closed before it without it, e.g. at intake: out of scope
  or solved on the spot) are not counted. The columns hold the
  current deadline: a reopened complaint is measured on its new clocks, and the upgrade
  clock (``replans``) is not a service promise and is left out. The late ones of the
  month are listed (at most ``LATE_LIMIT``), the earliest deadline first, then the
  complaint recorded first;
- callbacks: ``callbacks.rates.month_rates``; repairs: ``repairs.figures.month_totals``
  (orders reported in the month), and the orders by kind;
- the ladder: complaints naming a person (``target_staff``, trimmed, non-empty) received
  in the twelve months ending with the month, counted per (person, department
  complained about); the count's step of 000 part 2 §12: 1 talk, 2 public criticism,
  3 fails the year's appraisal, 4 or more suspended from post.

A rate with nothing to count is ``None``. Links drill down to the complaint list with its
own filters (``ComplaintFilterForm``), so the list's scoping applies; a figure the list
cannot filter on gets no link.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db import connections, router
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from callbacks.rates import month_rates
from complaints.clocks import CLOCK_LABELS
from complaints.forms.filters import ComplaintFilterForm
from complaints.models import (
    Category,
    Channel,
    Closure,
    Complaint,
    Extension,
    Grade,
    late_or_pending,
)
from complaints.selectors import Extended, Scope
from helpdesk.models import Kind as RequestKind
from helpdesk.models import Request
from repairs.figures import month_bounds, month_totals
from repairs.models import RepairKind
from staff.models import Department

from .counts import COUNTED_CLOCKS
from .models import ClockMonth, ComplaintMonth, LadderMonth

LATE_LIMIT = 200
WINDOWS = ("value", "previous", "last_year")
LADDER_STEPS = 4

Window = tuple[dt.datetime, dt.datetime]
Values = dict[str, Any]  # window name -> value


def _months(month_start: dt.date) -> list[dt.date]:
    """The month, the one before and the same month a year before."""
    first = month_start.replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return [first, previous, first.replace(year=first.year - 1)]


def _window_case(column: str, windows: list[Window]) -> Case:
    """0, 1 or 2: which window the date in ``column`` falls in (NULL: none)."""
    whens = [
        When(**{f"{column}__gte": start, f"{column}__lt": end}, then=Value(i))
        for i, (start, end) in enumerate(windows)
    ]
    return Case(*whens, default=None, output_field=IntegerField())


def _in_windows(column: str, windows: list[Window]) -> Q:
    q = Q()
    for start, end in windows:
        q |= Q(**{f"{column}__gte": start, f"{column}__lt": end})
    return q


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _row(
    key: str, label: str, values: Mapping[str, Any], *, link: str | None = None, unit: str = ""
) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        **{w: values.get(w, 0 if unit == "" else None) for w in WINDOWS},
        "link": link,
        "unit": unit,
    }


# --- links ---------------------------------------------------------------------------


def _linker(estate_ids: list[int], month: Window, *, whole_list: bool) -> Callable[..., str | None]:
    """A function of the list's filters giving the drill-down link of the month, or None
    when the list has no such filter. Several estates are linked only when the list
    without an estate filter shows exactly them (``whole_list``: the general manager's
    company total); otherwise not at all."""
    start, end = month
    base: dict[str, Any] = {
        "received_from": timezone.localdate(start).isoformat(),
        "received_to": (timezone.localdate(end) - dt.timedelta(days=1)).isoformat(),
    }
    url = reverse("complaints:list")
    fields = ComplaintFilterForm.base_fields
    if len(estate_ids) == 1:
        scope: dict[str, Any] | None = {"estate": estate_ids[0]}
    else:
        scope = {} if whole_list else None

    def link(**params: Any) -> str | None:
        if scope is None:
            return None
        query = {**scope, **params, **base}
        if any(name not in fields for name in query):
            return None
        return f"{url}?{urlencode(query)}"

    return link


# --- complaints ----------------------------------------------------------------------


# The section's dimensions: its row key prefix and ``ComplaintMonth``'s column.
_DIMENSIONS = (
    ("grade", "grade"),
    ("channel", "channel"),
    ("category", "category"),
    ("department", "department_id"),
    ("scope", "in_scope"),
    ("closure", "closure"),
    ("repeat", "repeat"),
    ("escalated", "escalated"),
)


def _complaint_groups(estate_ids: list[int], months: list[dt.date]) -> list[tuple[Any, ...]]:
    """The months' complaints counted in total and by each dimension of the section on its
    own, from the counts the database keeps (``reports.counts``): ``(month, dimension or
    None for the total, value, count)``, a row per month and value, rolled up by
    PostgreSQL (``GROUPING SETS``), not the complaints nor their combinations."""
    columns = [column for _key, column in _DIMENSIONS]
    sets = ", ".join(["(month)", *(f"(month, {c})" for c in columns)])
    # GROUPING() of one column: 0 when the row is grouped by it.
    which = " ".join(f"WHEN GROUPING({c}) = 0 THEN {i}" for i, c in enumerate(columns))
    value = " ".join(f"WHEN GROUPING({c}) = 0 THEN {c}::text" for c in columns)
    sql = (
        f"SELECT month, CASE {which} END, CASE {value} END, sum(n) "  # noqa: S608
        f"FROM {ComplaintMonth._meta.db_table} "
        "WHERE estate_id = ANY(%s) AND month = ANY(%s) "
        f"GROUP BY GROUPING SETS ({sets}) HAVING sum(n) <> 0"
    )
    # Raw SQL, so the database is chosen here as the ORM would (``reports.routing``).
    with connections[router.db_for_read(ComplaintMonth)].cursor() as cursor:
        cursor.execute(sql, [estate_ids, months])
        return cursor.fetchall()


def _department_names(ids: set[int], several: bool) -> dict[int | None, str]:
    rows = Department.objects.filter(pk__in=ids).values_list("pk", "name", "estate__name")
    return {pk: f"{estate} · {name}" if several else name for pk, name, estate in rows}


def _complaint_section(
    estate_ids: list[int],
    months: list[dt.date],
    windows: list[Window],
    link: Callable[..., str | None],
) -> dict[str, Any]:
    counts: dict[str, Values] = defaultdict(dict)

    def add(key: str, window: str, n: int) -> None:
        counts[key][window] = counts[key].get(window, 0) + n

    window_of = dict(zip(months, WINDOWS, strict=True))
    truth = {"true": True, "false": False}
    routed: set[int] = set()
    unrouted = False
    for month, dimension, value, n in _complaint_groups(estate_ids, months):
        w = window_of[month]
        if dimension is None:
            add("total", w, n)
            continue
        prefix = _DIMENSIONS[dimension][0]
        if prefix == "department":
            if value is None:
                unrouted = True
            else:
                routed.add(int(value))
            add(f"department.{value or 'none'}", w, n)
        elif prefix == "scope":
            add("scope.in" if truth[value] else "scope.out", w, n)
        elif prefix == "closure":
            if value == Closure.ON_THE_SPOT:
                add("on_the_spot", w, n)
        elif prefix in ("repeat", "escalated"):
            if truth[value]:
                add(prefix, w, n)
        else:
            add(f"{prefix}.{value}", w, n)
    departments: dict[int | None, str] = {**_department_names(routed, several=len(estate_ids) > 1)}
    if unrouted:
        departments[None] = _("Not routed")
    for e in _extension_groups(estate_ids, windows):
        for which in Extended.values:
            add(f"extension.{which}", WINDOWS[e["window"]], e[which])

    def row(key: str, label: str, **filters: Any) -> dict[str, Any]:
        return _row(key, label, counts.get(key, {}), link=link(**filters))

    rows = [row("total", _("Complaints received"))]
    rows += [row(f"grade.{v}", str(lbl), grade=v) for v, lbl in Grade.choices]
    rows += [row(f"channel.{v}", str(lbl), channel=v) for v, lbl in Channel.choices]
    rows += [row(f"category.{v}", str(lbl), category=v) for v, lbl in Category.choices]
    ordered = sorted(departments.items(), key=lambda kv: (kv[0] is None, kv[1]))
    rows += [
        row(
            f"department.{d or 'none'}",
            _("Department: %(name)s") % {"name": name},
            **({"department": d} if d else {"unrouted": "on"}),
        )
        for d, name in ordered
    ]
    rows += [
        *(
            row(key, str(scope.label), scope=scope)
            for key, scope in (
                ("scope.in", Scope.IN),
                ("scope.out", Scope.OUT),
                ("on_the_spot", Scope.ON_THE_SPOT),
            )
        ),
        row("repeat", _("Repeat complaints (二次投诉)"), repeat="on"),
        row("escalated", _("Escalated (上报)"), escalated="on"),
        row("extension.asked", _("Extensions asked (申请延期)"), extension=Extended.ASKED),
        row("extension.approved", _("Extensions approved"), extension=Extended.APPROVED),
        row("extension.refused", _("Extensions refused"), extension=Extended.REFUSED),
    ]
    return {"key": "complaints", "title": _("Complaints (投诉)"), "rows": rows}


def _extension_groups(estate_ids: list[int], windows: list[Window]) -> list[Mapping[str, Any]]:
    """Per window, the complaints received in it with an extension asked, approved and
    refused (each complaint once, whatever the number of its requests)."""
    decision = Extension.Decision
    return list(
        Extension.objects.filter(complaint__estate_id__in=estate_ids)
        .filter(_in_windows("complaint__received_at", windows))
        .annotate(window=_window_case("complaint__received_at", windows))
        .values("window")
        .annotate(
            asked=Count("complaint_id", distinct=True),
            approved=Count("complaint_id", distinct=True, filter=Q(decision=decision.APPROVED)),
            refused=Count("complaint_id", distinct=True, filter=Q(decision=decision.REFUSED)),
        )
        .order_by()
    )


# --- clocks --------------------------------------------------------------------------


def _in(column: str, window: Window) -> Q:
    return Q(**{f"{column}__gte": window[0], f"{column}__lt": window[1]})


def _running(clock: Any) -> Q:
    """Not met, and the complaint still open."""
    return Q(**{f"{clock.done}__isnull": True, "closed_at__isnull": True})


def _clock_section(
    estate_ids: list[int], months: list[dt.date], windows: list[Window], now: dt.datetime
) -> dict[str, Any]:
    """For each clock and window, the deadlines counted and those missed: the outcomes
    the database keeps (``ClockMonth``), with the clocks still running counted late once
    their deadline has passed. A month over by ``now`` takes them all from the counts; the
    month ``now`` is in counts them (``complaint_late_<clock>_idx``), a later one has
    none."""
    kept = {
        (r["clock"], r["month"]): r
        for r in ClockMonth.objects.filter(estate_id__in=estate_ids, month__in=months)
        .values("clock", "month")
        .annotate(counted=Sum("counted"), late=Sum("late"), pending=Sum("pending"))
        .order_by()
    }
    rows = []
    for clock in COUNTED_CLOCKS:
        values = {}
        for w, month, window in zip(WINDOWS, months, windows, strict=True):
            r: Mapping[str, Any] = kept.get((clock.name, month), {})
            counted, late = r.get("counted", 0), r.get("late", 0)
            if window[1] <= now:
                running = r.get("pending", 0)
            elif window[0] < now:
                running = (
                    Complaint.objects.filter(estate_id__in=estate_ids)
                    .filter(late_or_pending(clock.due, clock.done))  # the index's rows
                    .filter(_running(clock) & _in(clock.due, (window[0], now)))
                    .count()
                )
            else:
                running = 0
            values[w] = _percent(counted - late, counted + running)
        label = _("On time: %(clock)s") % {"clock": CLOCK_LABELS[clock.name]}
        rows.append(_row(f"clock.{clock.name}", label, values, unit="%"))
    return {"key": "clocks", "title": _("Complaint clocks on time (时效)"), "rows": rows}


def _late_items(estate_ids: list[int], month: Window, now: dt.datetime) -> list[dict[str, Any]]:
    """The deadlines of the month that were missed, the earliest first (then the
    complaint recorded first): one UNION ALL of each clock's first ``LATE_LIMIT`` read
    in order off its late index (``complaint_late_<clock>_idx``), then the numbers of
    the ``LATE_LIMIT`` kept."""
    parts: list[Any] = [
        Complaint.objects.filter(estate_id__in=estate_ids)
        .filter(_in(clock.due, month) & late_or_pending(clock.due, clock.done))
        # A clock still running is late once its deadline has passed.
        .filter(~_running(clock) | Q(**{f"{clock.due}__lt": now}))
        .annotate(clock=Value(clock.name), due_at=F(clock.due), done_at=F(clock.done))
        .values("pk", "clock", "due_at", "done_at")
        # Each clock's first ones, read in the index's order: the scan stops there.
        .order_by(clock.due, "pk")[:LATE_LIMIT]
        for clock in COUNTED_CLOCKS
    ]
    union: Any = parts[0].union(*parts[1:], all=True).order_by("due_at", "pk", "clock")
    late = list(union[:LATE_LIMIT])
    numbers = dict(
        Complaint.objects.filter(pk__in={r["pk"] for r in late}).values_list("pk", "number")
    )
    detail = reverse("complaints:detail", args=[0])
    return [
        {
            "number": numbers[r["pk"]],
            "clock": str(CLOCK_LABELS[r["clock"]]),
            "due": timezone.localtime(r["due_at"]).isoformat(),
            "done": timezone.localtime(r["done_at"]).isoformat() if r["done_at"] else None,
            "link": detail.replace("/0/", f"/{r['pk']}/"),
        }
        for r in late
    ]


# --- callbacks and repairs -----------------------------------------------------------


def _callback_section(estate_ids: list[int], months: list[dt.date], now: dt.datetime) -> dict:
    rates = [
        month_rates(estate_ids, m, now=now, overdue=False, breakdown=False).total for m in months
    ]
    lines = [
        ("complaint_rate", _("Complaint callback rate (投诉回访率)")),
        ("repair_rate", _("Repair callback rate (维修回访率)")),
        ("handling_rate", _("Callback handling rate")),
        ("satisfaction_rate", _("Satisfied or basically satisfied")),
    ]
    rows = [
        _row(
            f"callback.{name}",
            label,
            {w: _round(getattr(r, name)) for w, r in zip(WINDOWS, rates, strict=True)},
            unit="%",
        )
        for name, label in lines
    ]
    return {"key": "callbacks", "title": _("Callbacks (回访)"), "rows": rows}


def _repair_section(
    estate_ids: list[int], months: list[dt.date], windows: list[Window], now: dt.datetime
) -> dict[str, Any]:
    figures = month_totals(estate_ids, months, now=now)
    totals = [total for total, _kinds in figures]

    def values(get: Callable[[Any], Any]) -> Values:
        return {w: get(t) for w, t in zip(WINDOWS, totals, strict=True)}

    def money(d: Decimal) -> float:
        return float(d.quantize(Decimal("0.01")))

    kinds: dict[str, Values] = defaultdict(dict)
    for w, (_total, by_kind) in zip(WINDOWS, figures, strict=True):
        for kind, n in by_kind.items():
            kinds[kind][w] = n
    rows = [_row("repair.orders", _("Repair orders (维修单)"), values(lambda t: t.orders))]
    rows += [_row(f"repair.kind.{v}", str(lbl), kinds.get(v, {})) for v, lbl in RepairKind.choices]
    rows += [
        _row(
            "repair.dispatch_rate",
            _("Dispatched on time"),
            values(lambda t: _round(t.dispatch_rate)),
            unit="%",
        ),
        _row(
            "repair.arrive_rate",
            _("Arrived on time"),
            values(lambda t: _round(t.arrive_rate)),
            unit="%",
        ),
        _row(
            "repair.minutes_to_arrive",
            _("Average minutes to arrive"),
            values(lambda t: _round(t.minutes_to_arrive)),
        ),
        _row(
            "repair.minutes_to_finish",
            _("Average minutes to finish the work"),
            values(lambda t: _round(t.minutes_to_finish)),
        ),
        _row(
            "repair.rework_rate",
            _("Rework rate (返工率)"),
            values(lambda t: _round(t.rework_rate)),
            unit="%",
        ),
        _row(
            "repair.revenue",
            _("Paid repair revenue (有偿维修收入)"),
            values(lambda t: money(t.revenue)),
        ),
    ]
    return {"key": "repairs", "title": _("Repairs (维修)"), "rows": rows}


# --- inquiries and help requests ------------------------------------------------------


def _request_section(
    estate_ids: list[int], windows: list[Window], now: dt.datetime
) -> dict[str, Any]:
    """Inquiries and help requests received in the month by kind, the emergencies, and
    the answers that had a deadline (a supervisor asked; a written inquiry) on time:
    over those whose deadline fell in the month, answered by it (004 §4.4.2, §4.5)."""
    counts: dict[str, Values] = defaultdict(dict)
    received = (
        Request.objects.filter(estate_id__in=estate_ids)
        .filter(_in_windows("received_at", windows))
        .annotate(window=_window_case("received_at", windows))
        .values("window", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for g in received:
        w = WINDOWS[g["window"]]
        counts["request.total"][w] = counts["request.total"].get(w, 0) + g["n"]
        counts[f"request.kind.{g['kind']}"][w] = g["n"]
    clocked = (
        Request.objects.filter(estate_id__in=estate_ids)
        .filter(_in_windows("answer_due", windows))
        .annotate(window=_window_case("answer_due", windows))
        .values("window")
        .annotate(
            # A request is done when answered: late if answered after the deadline, or
            # not answered by it.
            n=Count("pk", filter=Q(answered_at__isnull=False) | Q(answer_due__lt=now)),
            late=Count(
                "pk",
                filter=Q(answered_at__gt=F("answer_due"))
                | Q(answered_at__isnull=True, answer_due__lt=now),
            ),
        )
        .order_by()
    )
    on_time = {WINDOWS[g["window"]]: _percent(g["n"] - g["late"], g["n"]) for g in clocked}
    rows = [
        _row("request.total", _("Inquiries and help requests (咨询求助)"), counts["request.total"])
    ]
    rows += [
        _row(f"request.kind.{v}", str(lbl), counts.get(f"request.kind.{v}", {}))
        for v, lbl in RequestKind.choices
    ]
    rows.append(_row("request.on_time", _("Answered on time"), on_time, unit="%"))
    return {"key": "requests", "title": _("Inquiries and help requests (咨询求助)"), "rows": rows}


# --- the ladder ----------------------------------------------------------------------


def ladder_step(count: int) -> str:
    """What 000 part 2 §12 does to a person complained about ``count`` times in a year."""
    steps = {
        1: _("Talk with a manager (谈心教育)"),
        2: _("Public criticism, written self-criticism (公开批评)"),
        3: _("Fails the year's appraisal (年度考核不合格)"),
        4: _("Suspended from post (待岗)"),
    }
    return steps[min(max(count, 1), LADDER_STEPS)]


def _ladder(estate_ids: list[int], month_start: dt.date) -> list[dict[str, Any]]:
    """People complained about in the twelve months ending with the month (the counts
    the database keeps, ``LadderMonth``)."""
    first = month_start.replace(day=1)
    rows = list(
        LadderMonth.objects.filter(
            estate_id__in=estate_ids,
            month__gt=first.replace(year=first.year - 1),
            month__lte=first,
        )
        .values("person", "department_id")
        .annotate(n=Sum("n"))
        .filter(n__gt=0)
        .order_by()
    )
    names = dict(
        Department.objects.filter(pk__in={r["department_id"] for r in rows}).values_list(
            "pk", "name"
        )
    )
    ladder = [
        {
            "name": r["person"],
            "department": names.get(r["department_id"], ""),
            "count": r["n"],
            "step": ladder_step(r["n"]),
        }
        for r in rows
    ]
    return sorted(ladder, key=lambda x: (-x["count"], x["name"], x["department"]))


# --- the report ----------------------------------------------------------------------


def build_report(
    estate_ids: Iterable[int],
    month_start: dt.date,
    *,
    now: dt.datetime | None = None,
    whole_list: bool = False,
) -> dict[str, Any]:
    """The month's report for the estates ``estate_ids``, as a JSON-serialisable dict.
    ``whole_list``: they are every estate the reader's list shows (see ``_linker``)."""
    now = now or timezone.now()
    ids = sorted(set(estate_ids))
    months = _months(month_start)
    windows = [month_bounds(m) for m in months]
    link = _linker(ids, windows[0], whole_list=whole_list)
    return {
        "month": f"{months[0]:%Y-%m}",
        "estates": ids,
        "sections": [
            _complaint_section(ids, months, windows, link),
            _clock_section(ids, months, windows, now),
            _callback_section(ids, months, now),
            _repair_section(ids, months, windows, now),
            _request_section(ids, windows, now),
        ],
        "late": _late_items(ids, windows[0], now),
        "ladder": _ladder(ids, months[0]),
    }
