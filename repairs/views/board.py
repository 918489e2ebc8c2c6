"""The engineering head's board (today's orders by state and technician, late ones
marked, the month's figures), its live fragment, and the shift roster (排班表).

The board reads a constant number of queries whatever the number of orders: the lines
(at most ``PER_STATE`` a state, nearest deadline first: one query for their ids, one for
what they show), the counts by state and technician (one grouped query), who is
on shift, and the figures (one grouped query and the names, ``repairs.figures``).

The roster's two writes (``shift_add``, ``shift_remove``) are here, shaped as services,
until repairs.services has a roster module to take them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from html import escape as _esc
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from staff.access import estates_for, profile_of
from staff.models import Department, Estate
from staff.prepared import Shapes, ids_in, prepared
from staff.roles import Role
from staff.templatetags.staff_tags import person

from ..clocks import CLOCK_LABELS, TABLE
from ..figures import MonthFigures, month_figures
from ..forms.board import UNASSIGNED, BoardFilterForm, ShiftForm, technicians_of
from ..models import RepairOrder, Shift, Status, Urgency
from ..selectors import (
    NONE,
    Reach,
    reach_kinds,
    reach_of,
    reach_rebuilt,
    reach_shape,
    reach_values,
    reached,
)
from ..services import RepairError, technician_of
from ..services.roster import edits_roster, shift_add, shift_remove
from .common import reads_board

# Lines shown per state, nearest deadline first; the column says how many more there
# are (filter to see them). 7 × 30 lines is what a head reads on one screen.
PER_STATE = 30
ROSTER_DAYS = 7
BOARD_STATES = [
    Status.REPORTED,
    Status.DISPATCHED,
    Status.TAKEN,
    Status.ARRIVED,
    Status.FINISHED,
    Status.SIGNED,
    Status.CLOSED,
]
URGENCY_BADGES: dict[str, tuple[Any, str]] = {
    Urgency.URGENT: (gettext_lazy("Urgent (急修)"), "text-bg-warning"),
    Urgency.EMERGENCY: (gettext_lazy("Emergency (特急)"), "text-bg-danger"),
    Urgency.APPOINTMENT: (gettext_lazy("Appointment (预约)"), "text-bg-info"),
}
# What a line reads (never the signature, a PNG, nor the long texts), as values: a board
# of a few hundred lines every 30 seconds is no place for model instances.
LINE_FIELDS = (
    "pk",
    "number",
    "status",
    "urgency",
    "location",
    "published",
    "closed_at",
    "chased_at",
    "root_cause_flag",
    "rework_of_id",
    "dispatch_due",
    "dispatched_at",
    "arrive_due",
    "arrived_at",
    "feedback_due",
    "feedback_at",
    "promise_due",
    "resident_phoned_at",
    "technician_id",
    "technician__first_name",
    "technician__last_name",
    "technician__username",
    "unit_id",
    "unit__building",
    "unit__entrance",
    "unit__room",
)


def board_required(view):
    """The desk, the estate's managers and the engineering heads; others 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not reads_board(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _estate(request: HttpRequest) -> Estate:
    """The user's estate; a manager over every estate picks one with ``?estate=``."""
    profile = profile_of(request.user)
    if profile is not None and profile.estate_id:
        assert profile.estate is not None
        return profile.estate
    chosen = request.GET.get("estate", "")
    if chosen:
        if not chosen.isdigit() or len(chosen) > 12:
            raise Http404
        return get_object_or_404(estates_for(request.user), pk=chosen)
    estate = estates_for(request.user).first()
    if estate is None:
        raise PermissionDenied
    return estate


def _estate_choices(request: HttpRequest, estate: Estate) -> list[Estate]:
    """The estates to switch between, for a manager over several (else none)."""
    profile = profile_of(request.user)
    if profile is not None and profile.estate_id:
        return []
    return list(estates_for(request.user).only("pk", "name", "code"))


def _with_estate(url: str, request: HttpRequest) -> str:
    chosen = request.GET.get("estate", "") or request.POST.get("estate", "")
    return f"{url}?estate={chosen}" if chosen.isdigit() else url


# --- the board ---------------------------------------------------------------------------


# One order on the board: pk, number, status, late (its nearest deadline still to meet
# has passed) and html, the line as printed (see LINE_HTML).
Line = dict[str, Any]


@dataclass
class Column:
    status: str
    label: str
    lines: list[Line] = field(default_factory=list)
    total: int = 0
    late: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.lines)

    @property
    def lines_html(self) -> SafeString:
        """The lines one after the other (each already HTML: LINE_HTML)."""
        return SafeString("\n".join(line["html"] for line in self.lines))


@dataclass
class CrewRow:
    """One technician (or nobody yet) × the states."""

    key: int | None
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    late: int = 0

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(s, 0) for s in BOARD_STATES]

    @property
    def cells_html(self) -> SafeString:
        """The counts' cells (a zero muted), then the late one (red when any)."""
        late = " text-danger fw-semibold" if self.late else " text-muted"
        return SafeString(
            "".join(
                f'<td class="text-end{"" if n else " text-muted"}">{localize(n)}</td>'
                for n in self.cells
            )
            + f'<td class="text-end{late}">{localize(self.late)}</td>'
        )


# One line of the board as HTML. Built here rather than in the template: the board
# draws up to 7 × PER_STATE lines every 30 seconds, and a dozen template lookups a line
# were most of its time. Every value goes through format_html (escaped).
LINE_HTML = (
    '<li class="list-group-item board-line{late_css}" data-testid="board-line">'
    '<div class="d-flex flex-wrap gap-1 align-items-center">'
    '<a class="fw-semibold" href="{href}">{number}</a> '
    '<span class="badge {urgency_css}">{urgency}</span>{badges}</div>'
    '<div class="small text-truncate">{place}</div>'
    '<div class="small text-muted">{who}</div>{when}</li>'
)
DUE_HTML = '<div class="small{late_css}">{clock}: <time datetime="{iso}">{due}</time></div>'
CLOSED_HTML = '<div class="small text-muted">{label} {at}</div>'


class _Printer:
    """Everything a line shows, worked out once: labels translated and badges built
    once a request, names once a technician, links and times formatted in Python."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.tz = timezone.get_current_timezone()
        # Escaped once here: a line is built with str.format, not format_html, whose
        # lazy-string checks cost more than the rest of a 200-line board.
        self.clocks = {name: _esc(str(label)) for name, label in CLOCK_LABELS.items()}
        self.urgency = {k: (_esc(str(label)), css) for k, (label, css) in URGENCY_BADGES.items()}
        self.open_to_take = _("Open to take (抢单)")
        self.not_assigned = _("Not assigned")
        self.closed_at = _esc(_("Closed at"))
        # The same wording as staff.models.Unit.label, translated once.
        self.unit_room = _("Bldg %(b)s, room %(r)s")
        self.unit_entrance_room = _("Bldg %(b)s, unit %(e)s, room %(r)s")
        self.badge_late = format_html(
            ' <span class="badge text-bg-danger" data-testid="late-badge">{}</span>',
            _("LATE (超时)"),
        )
        self.badge_chased = format_html(
            ' <span class="badge text-bg-warning" title="{}" data-testid="chased-badge">{}</span>',
            _("The resident chased it (催单)"),
            _("Chased (催)"),
        )
        self.badge_root_cause = format_html(
            ' <span class="badge text-bg-dark" title="{}" data-testid="root-cause-badge">{}</span>',
            _("The same fault at the same unit twice within 30 days."),
            _("Root cause (查因)"),
        )
        self.badge_rework = format_html(
            ' <span class="badge text-bg-secondary">{}</span>', _("Rework (返工)")
        )
        self.names: dict[int, str] = {}
        detail = reverse("repairs:detail", args=[0])
        self.href_head = detail[: -len("0/")]

    def _who(self, row: dict[str, Any]) -> str:
        tid = row["technician_id"]
        if tid is None:
            if row["status"] == Status.DISPATCHED and row["published"]:
                return self.open_to_take
            return self.not_assigned
        if tid not in self.names:
            self.names[tid] = person(
                User(
                    first_name=row["technician__first_name"],
                    last_name=row["technician__last_name"],
                    username=row["technician__username"],
                )
            )
        return self.names[tid]

    def _place(self, row: dict[str, Any]) -> str:
        if row["unit_id"] is None:
            return row["location"]
        b, e, r = row["unit__building"], row["unit__entrance"], row["unit__room"]
        if e:
            return self.unit_entrance_room % {"b": b, "e": e, "r": r}
        return self.unit_room % {"b": b, "r": r}

    def line(self, row: dict[str, Any]) -> Line:
        urgency, css = self.urgency.get(row["urgency"], ("", "text-bg-secondary"))
        line: Line = {
            "pk": row["pk"],
            "number": row["number"],
            "status": row["status"],
            "late": False,
        }
        when = ""
        # The clock table says which clocks still run (the same rule as next_due).
        running = list(TABLE.running(SimpleNamespace(**row)))
        if running:
            clock, due = min(running, key=lambda cd: cd[1])
            local = due.astimezone(self.tz)
            line["late"] = due < self.now
            when = DUE_HTML.format(
                late_css=" text-danger fw-semibold" if line["late"] else "",
                clock=self.clocks[clock.name],
                iso=local.isoformat(timespec="seconds"),
                due=f"{local:%m-%d %H:%M}",
            )
        elif row["closed_at"] is not None:
            when = CLOSED_HTML.format(
                label=self.closed_at,
                at=f"{row['closed_at'].astimezone(self.tz):%H:%M}",
            )
        badges = [
            self.badge_late if line["late"] else "",
            self.badge_chased if row["chased_at"] is not None else "",
            self.badge_root_cause if row["root_cause_flag"] else "",
            self.badge_rework if row["rework_of_id"] is not None else "",
        ]
        # Every value is ours (ids, css, times, escaped labels) or escaped here. SafeString
        # itself: mark_safe's checks for lazy strings cost as much as the rest of a line.
        line["html"] = SafeString(
            LINE_HTML.format(
                late_css=" board-line-late" if line["late"] else "",
                href=f"{self.href_head}{row['pk']}/",
                number=_esc(row["number"]),
                urgency_css=css,
                urgency=urgency,
                badges="".join(badges),
                place=_esc(self._place(row)),
                who=_esc(self._who(row)),
                when=when,
            )
        )
        return line


def _today_start(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class BoardFilters:
    """The board's filters as values (``BoardFilterForm.filters`` read once)."""

    state: str | None = None
    unassigned: bool = False
    technician_id: int | None = None
    urgency: str | None = None
    late_before: dt.datetime | None = None

    @classmethod
    def of(cls, filters: Mapping[str, Any], now: dt.datetime) -> BoardFilters:
        technician = filters.get("technician") or ""
        return cls(
            state=filters.get("state") or None,
            unassigned=technician == UNASSIGNED,
            technician_id=int(technician) if technician.isdigit() else None,
            urgency=filters.get("urgency") or None,
            late_before=now if filters.get("late") else None,
        )

    def shape(self) -> tuple[bool, ...]:
        """Which filters are set: what the statement's shape depends on."""
        return (
            self.state is not None,
            self.unassigned,
            self.technician_id is not None,
            self.urgency is not None,
            self.late_before is not None,
        )

    def values(self) -> list[Any]:
        return [
            v
            for v in (self.state, self.technician_id, self.urgency, self.late_before)
            if v is not None
        ]

    @staticmethod
    def kinds(shape: tuple[bool, ...]) -> tuple[type, ...]:
        state, _unassigned, technician, urgency, late = shape
        flags = (state, technician, urgency, late)
        return tuple(k for k, on in zip((str, int, str, dt.datetime), flags, strict=True) if on)

    @classmethod
    def rebuild(cls, shape: tuple[bool, ...], values: Sequence[Any]) -> BoardFilters:
        state, unassigned, technician, urgency, late = shape
        given = iter(values)
        return cls(
            state=next(given) if state else None,
            unassigned=unassigned,
            technician_id=next(given) if technician else None,
            urgency=next(given) if urgency else None,
            late_before=next(given) if late else None,
        )


def board_orders(reach: Reach, estate_id: int, f: BoardFilters) -> QuerySet[RepairOrder]:
    """The estate's orders the user may see, narrowed by the board's filters; the board
    shows the open ones of any day and those closed today (``_halves``)."""
    qs = reached(reach).filter(estate_id=estate_id)
    if f.state is not None:
        qs = qs.filter(status=f.state)
    if f.unassigned:
        qs = qs.filter(technician__isnull=True)
    elif f.technician_id is not None:
        qs = qs.filter(technician_id=f.technician_id)
    if f.urgency is not None:
        qs = qs.filter(urgency=f.urgency)
    if f.late_before is not None:
        qs = qs.filter(next_due__lt=f.late_before)
    return qs


def _halves(
    qs: QuerySet[RepairOrder], today_start: dt.datetime
) -> tuple[QuerySet[RepairOrder], QuerySet[RepairOrder]]:
    """The open orders and those closed today, each read off its own partial index
    (repair_board_idx, which holds what the board ranks and counts; and
    repair_estate_closed_idx). Asked as one query with OR, PostgreSQL read every open
    order's row from the table and sorted them all (~14 ms at 7,000 open orders)."""
    return (
        qs.exclude(status=Status.CLOSED),
        qs.filter(status=Status.CLOSED, closed_at__gte=today_start),
    )


# Nearest deadline first (closed: latest first). An open order has no closed_at, so its
# state's lines follow repair_board_idx: (estate, status, next_due, reported_at, id).
LINE_ORDER = [
    F("next_due").asc(nulls_last=True),
    F("closed_at").desc(nulls_last=True),
    F("reported_at").asc(),
    F("pk").asc(),
]
OPEN_LINE_ORDER = [LINE_ORDER[0], *LINE_ORDER[2:]]


def _first_ids(reach: Reach, estate_id: int, f: BoardFilters, today_start: dt.datetime) -> QuerySet:
    """The first PER_STATE ids of each state: a UNION ALL of one short index range a
    state."""
    open_orders, closed_today = _halves(board_orders(reach, estate_id, f), today_start)
    firsts = [
        open_orders.filter(status=s).order_by(*OPEN_LINE_ORDER).values_list("pk")[:PER_STATE]
        for s in BOARD_STATES
        if s != Status.CLOSED
    ]
    firsts.append(closed_today.order_by(*LINE_ORDER).values_list("pk")[:PER_STATE])
    return firsts[0].union(*firsts[1:], all=True)


def _lines(shown: list[int], now: dt.datetime) -> dict[str, list[Line]]:
    """The lines of the orders ``shown`` (``_first_ids``), read with their technician and
    unit. (As one query with the first ids, each state's lines read with their joins,
    PostgreSQL took twice as long to plan and run it.)"""
    lines: dict[str, list[Line]] = {s: [] for s in BOARD_STATES}
    printer = _Printer(now)
    for row in _shown_lines(shown):
        lines[row["status"]].append(printer.line(row))
    return lines


@prepared(list)
def _shown_lines(ids: list[int]) -> QuerySet:
    """What the lines show of the orders ``ids`` (compiled once a process, the ids one
    array parameter), in the board's order."""
    return (
        RepairOrder.objects.filter(pk__in=ids_in(ids))
        .order_by("status", *LINE_ORDER)
        .values(*LINE_FIELDS)
    )


def _counts(
    reach: Reach, estate_id: int, f: BoardFilters, now: dt.datetime, today_start: dt.datetime
) -> QuerySet:
    """The orders by state and technician, and how many of them are late: the open ones
    counted off repair_board_idx alone, those closed today beside them (one query). The
    technicians' names are read apart (``_crew``): grouped by them too, PostgreSQL
    hashed three names for each of 7,000 open orders (5 ms against 2)."""

    def grouped(half: QuerySet[RepairOrder]) -> QuerySet:
        return (
            half.values("status", "technician_id")
            .annotate(n=Count("pk"), late=Count("pk", filter=Q(next_due__lt=now)))
            .order_by()
        )

    open_orders, closed_today = _halves(board_orders(reach, estate_id, f), today_start)
    return grouped(open_orders).union(grouped(closed_today), all=True)


def _compiled_board(build: Callable[..., QuerySet], moments: int) -> Shapes:
    """``build(reach, estate_id, filters, *moments)`` compiled once for each shape: the
    reader's reach, which filters are set, the lines a state (staff.prepared). Its values:
    the reach's ids, the estate, the filters' values, then the ``moments``."""

    def built(shape: tuple, *values: Any) -> QuerySet:
        reach_shape_, filters_shape, _per_state = shape
        n = len(reach_kinds(reach_shape_))
        filters = BoardFilters.rebuild(filters_shape, values[n + 1 : len(values) - moments])
        reach = reach_rebuilt(reach_shape_, values)
        return build(reach, values[n], filters, *values[len(values) - moments :])

    def kinds(shape: tuple) -> tuple[type, ...]:
        reach_shape_, filters_shape, _per_state = shape
        return (
            *reach_kinds(reach_shape_),
            int,
            *BoardFilters.kinds(filters_shape),
            *(dt.datetime,) * moments,
        )

    return Shapes(built, kinds)


# The board's two statements, the board reloading every 30 s.
_FIRST_IDS = _compiled_board(_first_ids, moments=1)
_COUNTS = _compiled_board(_counts, moments=2)


def _board_read(
    compiled: Shapes, reach: Reach, estate_id: int, f: BoardFilters, *moments: dt.datetime
) -> list[Any]:
    """One of the board's statements for this reader, estate, filters and moments (a
    reader who sees nothing reads nothing)."""
    if reach.kind == NONE:
        return []
    shape = (reach_shape(reach), f.shape(), PER_STATE)
    return compiled(shape, *reach_values(reach), estate_id, *f.values(), *moments)


def _crew(counts: list[Mapping[str, Any]], known: Mapping[int, str]) -> list[CrewRow]:
    """The counts by technician; the names from ``known`` (the estate's technicians, read
    for the filter), and read only for someone no longer among them."""
    ids = {c["technician_id"] for c in counts} - {None}
    names = dict(known)
    if ids - names.keys():
        names |= {
            u.pk: person(u)
            for u in User.objects.filter(pk__in=ids - names.keys()).only(*_NAME_FIELDS)
        }
    rows: dict[int | None, CrewRow] = {}
    for c in counts:
        key = c["technician_id"]
        row = rows.get(key)
        if row is None:
            label = names.get(key, "") if key is not None else _("Unassigned / open to take")
            row = rows[key] = CrewRow(key, label)
        row.counts[c["status"]] = row.counts.get(c["status"], 0) + c["n"]
        row.late += c["late"]
    return sorted(rows.values(), key=lambda r: (r.key is not None, r.label))


@prepared(int, dt.datetime)
def _shifts_now(estate_id: int, now: dt.datetime) -> QuerySet[Shift]:
    engineering = (
        Department.objects.filter(estate_id=estate_id, kind=Department.Kind.ENGINEERING)
        .order_by()
        .values("pk")[:1]
    )
    return (
        Shift.objects.filter(starts_at__lte=now, ends_at__gt=now, user__is_active=True)
        .filter(
            Q(estate_id=estate_id, user__staff_profile__role=Role.DUTY_OFFICER)
            | technician_of(Subquery(engineering), via="user__")
        )
        .select_related("user__staff_profile")
    )


def _on_duty(estate: Estate, now: dt.datetime) -> dict[str, list[User]]:
    """Who is on shift now, in one query (compiled once a process): the technicians of
    the estate's engineering department (``services.technician_of``, by id as
    ``services.on_shift``) and its duty officers (in the roster's order)."""
    technicians: dict[int, User] = {}
    duty: dict[int, User] = {}
    for shift in _shifts_now(estate.pk, now):
        user = shift.user
        crew = technicians if user.staff_profile.role == Role.TECHNICIAN else duty
        crew.setdefault(user.pk, user)
    return {
        "technicians": [technicians[pk] for pk in sorted(technicians)],
        "duty_officers": list(duty.values()),
    }


def _live_context(
    request: HttpRequest, estate: Estate, form: BoardFilterForm, now: dt.datetime
) -> dict[str, Any]:
    f = BoardFilters.of(form.filters(), now)
    reach, today_start = reach_of(request.user), _today_start(now)
    shown = [pk for (pk,) in _board_read(_FIRST_IDS, reach, estate.pk, f, today_start)]
    lines = _lines(shown, now)
    counts = _board_read(_COUNTS, reach, estate.pk, f, now, today_start)
    columns = []
    for s in BOARD_STATES:
        label = _("Closed today") if s == Status.CLOSED else str(Status(s).label)
        col = Column(s, label, lines[s])
        col.total = sum(c["n"] for c in counts if c["status"] == s)
        col.late = sum(c["late"] for c in counts if c["status"] == s)
        columns.append(col)
    query = request.GET.copy()
    query.pop("month", None)
    return {
        "estate": estate,
        "columns": columns,
        "crew": _crew(counts, form.technician_names()),
        "state_labels": [c.label for c in columns],
        "late_total": sum(c.late for c in columns),
        "on_duty": _on_duty(estate, now),
        "now": now,
        "per_state": PER_STATE,
        "live_url": reverse("repairs:board_live"),
        "live_query": query.urlencode(),
    }


def _month(form: BoardFilterForm, now: dt.datetime) -> dt.date:
    if form.is_bound and form.is_valid() and form.cleaned_data.get("month"):
        return form.cleaned_data["month"].replace(day=1)
    return timezone.localtime(now).date().replace(day=1)


@prepared(int)
def _technicians(estate_id: int) -> QuerySet[User]:
    return technicians_of(Estate(pk=estate_id)).only(*_NAME_FIELDS)


def _form(request: HttpRequest, estate: Estate) -> BoardFilterForm:
    return BoardFilterForm(request.GET or None, technicians=_technicians(estate.pk))


_NAME_FIELDS = ("pk", "first_name", "last_name", "username")


def _percent_cell(rate: float | None, ok: bool, part: int, whole: int) -> str:
    css = "" if ok else " text-danger"
    if rate is None:
        return f'<td class="text-end{css}">—</td>'
    return (
        f'<td class="text-end{css}">{floatformat(rate, 1)} %'
        f'<div class="small text-muted">{localize(part)}/{localize(whole)}</div></td>'
    )


def _minutes_cell(minutes: float | None) -> str:
    return f'<td class="text-end">{"—" if minutes is None else floatformat(minutes, 1)}</td>'


def figure_rows_html(rows: list[tuple[str, Any]]) -> SafeString:
    """The figures table's rows (``_figure_rows``), as board.html drew them with a
    dozen lookups and filters a cell: a heading, "no orders", or one Figures."""
    out = []
    for kind, f in rows:
        if kind == "heading":
            out.append(
                f'<tr><th colspan="8" scope="rowgroup" class="small text-muted">{_esc(str(f))}'
                "</th></tr>"
            )
            continue
        if kind == "empty":
            out.append(f'<tr><td colspan="8" class="text-muted">{_esc(str(f))}</td></tr>')
            continue
        css = "table-light fw-semibold" if kind == "total" else ""
        out.append(
            f'<tr class="{css}" data-testid="figures-{kind}">'
            f'<th scope="row" class="fw-normal">{_esc(str(f.label))}</th>'
            f'<td class="text-end">{localize(f.orders)}</td>'
            + _percent_cell(f.dispatch_rate, f.dispatch_ok, f.dispatch_on_time, f.dispatch_counted)
            + _percent_cell(f.arrive_rate, f.arrive_ok, f.arrive_on_time, f.arrive_counted)
            + _percent_cell(f.rework_rate, f.rework_ok, f.reworked, f.closed)
            + _minutes_cell(f.minutes_to_arrive)
            + _minutes_cell(f.minutes_to_finish)
            + f'<td class="text-end">{floatformat(f.revenue, 2)}</td></tr>'
        )
    # Every value is a number formatted by Django's own filters or escaped above.
    return SafeString("".join(out))


def _figure_rows(figures: MonthFigures) -> list[tuple[str, Any]]:
    """The figures table in one loop: the total, the departments (when more than one),
    the technicians."""
    rows: list[tuple[str, Any]] = [("total", figures.total)]
    if len(figures.departments) > 1:
        rows += [("heading", _("By department"))]
        rows += [("department", f) for f in figures.departments]
    rows += [("heading", _("By technician"))]
    rows += [("technician", f) for f in figures.technicians] or [
        ("empty", _("No orders this month."))
    ]
    return rows


@require_GET
@board_required
def board(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    estate = _estate(request)
    form = _form(request, estate)
    month = _month(form, now)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    figures = month_figures([estate.pk], month, now=now)
    context = {
        **_live_context(request, estate, form, now),
        "form": form,
        "estates": _estate_choices(request, estate),
        "figures": figures,
        "figure_rows": figure_rows_html(_figure_rows(figures)),
        "previous_month": previous,
        "next_month": following if following <= now.date() + dt.timedelta(days=1) else None,
        "can_edit_roster": edits_roster(request.user, estate.pk),
    }
    return render(request, "repairs/board.html", context)


@require_GET
@board_required
def board_live(request: HttpRequest) -> HttpResponse:
    """The board's live region alone, for board.js to swap in every 30 seconds."""
    now = timezone.now()
    estate = _estate(request)
    form = _form(request, estate)
    response = render(
        request, "repairs/_board_live.html", _live_context(request, estate, form, now)
    )
    response["Cache-Control"] = "no-store"
    return response


# --- the roster --------------------------------------------------------------------------


def _roster_post(request: HttpRequest, estate: Estate) -> HttpResponse | ShiftForm:
    if not edits_roster(request.user, estate.pk):
        raise PermissionDenied
    back = redirect(_with_estate(reverse("repairs:roster"), request))
    if request.POST.get("action") == "delete":
        raw = request.POST.get("shift", "")
        if not raw.isdigit() or len(raw) > 12:
            raise Http404
        shift = get_object_or_404(Shift.objects.select_related("user"), estate=estate, pk=raw)
        try:
            shift_remove(actor=request.user, shift_id=shift.pk)  # type: ignore[arg-type]
        except RepairError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("The shift of %(who)s was deleted.") % {"who": person(shift.user)},
            )
        return back
    form = ShiftForm(request.POST, estate=estate)
    if form.is_valid():
        data = form.cleaned_data
        try:
            shift_add(
                actor=request.user,  # type: ignore[arg-type]
                estate=estate,
                user=data["user"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
        except RepairError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("The shift of %(who)s was added.") % {"who": person(data["user"])}
            )
            return back
    return form


@require_http_methods(["GET", "POST"])
@board_required
def roster(request: HttpRequest) -> HttpResponse:
    """The estate's shifts of the next 7 days (004 §3.4: the duty officer takes calls
    out of hours); the engineering head and the supervisors add and delete them."""
    estate = _estate(request)
    can_edit = edits_roster(request.user, estate.pk)
    form = ShiftForm(estate=estate) if can_edit else None
    if request.method == "POST":
        posted = _roster_post(request, estate)
        if isinstance(posted, HttpResponse):
            return posted
        form = posted
    now = timezone.now()
    shifts = list(
        Shift.objects.filter(
            estate=estate, ends_at__gt=now, starts_at__lt=now + dt.timedelta(days=ROSTER_DAYS)
        )
        .select_related("user", "user__staff_profile")
        .order_by("starts_at", "pk")
    )
    context = {
        "estate": estate,
        "estates": _estate_choices(request, estate),
        "shifts": shifts,
        "form": form,
        "can_edit": can_edit,
        "now": now,
        "days": ROSTER_DAYS,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "repairs/roster.html", context, status=status)
