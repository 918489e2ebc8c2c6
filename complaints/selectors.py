"""Reads of complaints. ``complaints_for`` is the one scoping query: lists, search,
counts, the queue and the detail page are all built on it, so nothing shows in a list
that its user could not open."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.aggregates import BoolOr
from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Length
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.access import has_capability, profile_of
from staff.models import Department, Unit
from staff.prepared import Prepared, Shapes
from staff.roles import DEPARTMENT_ROLES, VIEW_ALL_ESTATES

from . import search
from .models import Category, CategoryDepartment, Closure, Complaint, Extension, Status


@dataclass(frozen=True)
class Visible:
    """Which complaints a user may see, as data: ``kind`` fixes the shape of the query,
    the ids fill it in (so a page may compile its query once for each kind)."""

    kind: str  # one of ALL, NONE, ESTATE, UNROUTED, DEPARTMENT
    estate_id: int = 0
    department_id: int = 0


ALL, NONE, ESTATE, UNROUTED, DEPARTMENT = "all", "none", "estate", "unrouted", "department"


def scope_of(user) -> Visible:
    """The company's managers see every estate; everyone else their own estate, and the
    departments' people (heads, technicians) only their department's complaints (those
    of no department while they have none)."""
    if user.is_superuser or has_capability(user, VIEW_ALL_ESTATES):
        return Visible(ALL)
    profile = profile_of(user)
    if profile is None or profile.estate_id is None:
        return Visible(NONE)
    if profile.role in DEPARTMENT_ROLES:
        if profile.department_id is None:
            return Visible(UNROUTED, profile.estate_id)
        return Visible(DEPARTMENT, profile.estate_id, profile.department_id)
    return Visible(ESTATE, profile.estate_id)


def scoped(scope: Visible) -> QuerySet[Complaint]:
    qs = Complaint.objects.all()
    if scope.kind == ALL:
        return qs
    if scope.kind == NONE:
        return qs.none()
    qs = qs.filter(estate_id=scope.estate_id)
    if scope.kind == UNROUTED:
        return qs.filter(department__isnull=True)
    if scope.kind == DEPARTMENT:
        return qs.filter(department_id=scope.department_id)
    return qs


def complaints_for(user) -> QuerySet[Complaint]:
    return scoped(scope_of(user))


# How many ids each kind of scope is filled in with.
_SCOPE_IDS = {ALL: 0, ESTATE: 1, UNROUTED: 1, DEPARTMENT: 2}


def _scope_values(scope: Visible) -> tuple[int, ...]:
    return (scope.estate_id, scope.department_id)[: _SCOPE_IDS[scope.kind]]


def _scope_kinds(kind: str) -> tuple[type, ...]:
    """The types of a scope's values (``_scope_values``), from its kind alone."""
    return (int,) * _SCOPE_IDS[kind]


def _scope_rebuilt(kind: str, values: Sequence[Any]) -> Visible:
    """The scope of ``kind`` from its values, the first ``_SCOPE_IDS[kind]`` of them."""
    return Visible(kind, *values[: _SCOPE_IDS[kind]])


def _detail(scope: Visible, pk: int) -> QuerySet[Complaint]:
    return (
        scoped(scope)
        # Not the rarely set repeat_of and target_department: each join costs planning
        # time on every page, and an unset one costs no query either way.
        .select_related("estate", "unit", "department", "received_by")
        .defer("search_bigrams")  # a hundred grams, never shown
        .filter(pk=pk)
    )


# The complaint a user opens, compiled once for each kind of scope (staff.prepared).
_DETAIL = Shapes(
    lambda kind, *values: _detail(_scope_rebuilt(kind, values), values[-1]),
    lambda kind: (*_scope_kinds(kind), int),
)


def get_complaint_for_user(user, pk: int) -> Complaint:
    scope = scope_of(user)
    if scope.kind == NONE or not 0 < pk < 2**63:  # no id outside a bigint
        raise Http404
    found = _DETAIL(scope.kind, *_scope_values(scope), pk)
    if not found:
        raise Http404
    return found[0]


LIST_COLUMNS = ("department", "unit")


def with_pending_extension(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Rows carry ``pending_approvers``, the roles that must approve the complaint's
    extensions still waiting (oldest request first), so lists can say who must approve:
    a subquery of each row shown, not a second round trip to the database for every
    page. The search column is never needed in a list."""
    return qs.defer("search_bigrams").annotate(
        pending_approvers=ArraySubquery(
            Extension.objects.filter(complaint=OuterRef("pk"), decision=Extension.Decision.PENDING)
            .order_by("requested_at", "pk")
            .values("approver_role")
        )
    )


def _queue(scope: Visible, department_id: int) -> QuerySet[Complaint]:
    return with_pending_extension(
        scoped(scope)
        .filter(department_id=department_id)
        .exclude(status=Status.CLOSED)
        .select_related(*LIST_COLUMNS)
        .order_by("next_due", "id")
    )


def queue_for(user) -> QuerySet[Complaint]:
    """The department's open complaints, nearest deadline first (complaint_dept_queue_idx)."""
    profile = profile_of(user)
    if profile is None or profile.department_id is None:
        return Complaint.objects.none()
    return _queue(scope_of(user), profile.department_id)


# The queue's first page, the one read all day, compiled once for each kind of scope and
# page size (staff.prepared): its shape is (kind, page size).
_QUEUE_FIRST = Shapes(
    lambda shape, *values: _queue(_scope_rebuilt(shape[0], values), values[-1])[: shape[1] + 1],
    lambda shape: (*_scope_kinds(shape[0]), int),
)


def queue_page(user, *, offset: int, limit: int) -> list[Complaint]:
    """``limit`` + 1 complaints of the queue from ``offset`` (see ``page_rows``)."""
    profile = profile_of(user)
    scope = scope_of(user)
    if profile is None or profile.department_id is None or scope.kind == NONE:
        return []
    if offset:
        return page_rows(queue_for(user), offset=offset, limit=limit, windowed=False)
    return _QUEUE_FIRST((scope.kind, limit), *_scope_values(scope), profile.department_id)


# The list's filters (ComplaintFilterForm): those whose value goes into the statement
# as a parameter, by the column it filters, and those whose value picks the condition.
_VALUE_FILTERS = {
    "estate": "estate_id",
    "grade": "grade",
    "status": "status",
    "category": "category",
    "department": "department_id",
    "channel": "channel",
}
_FLAG_FILTERS = ("open_only", "repeat", "escalated", "unrouted")
_CHOICE_FILTERS = ("scope", "extension", "callback")


def list_terms(filters: dict, now: dt.datetime) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The filters as the statement's shape (which are set, the choices that pick a
    condition) and its values (ids, texts, moments), in the order ``_narrowed`` reads
    them. The search term is not among them (``complaint_list`` adds it)."""
    shape: list[Any] = []
    values: list[Any] = []
    for key in _VALUE_FILTERS:
        if filters.get(key):
            value = filters[key]
            shape.append(key)
            values.append(value.pk if isinstance(value, Model) else value)
    zone = timezone.get_current_timezone()
    if filters.get("received_from"):
        shape.append("received_from")
        values.append(dt.datetime.combine(filters["received_from"], dt.time.min, tzinfo=zone))
    if filters.get("received_to"):
        end = dt.datetime.combine(filters["received_to"], dt.time.min, tzinfo=zone)
        shape.append("received_to")
        values.append(end + dt.timedelta(days=1))
    if filters.get("overdue"):
        shape.append("overdue")
        values.append(now)
    shape += [key for key in _FLAG_FILTERS if filters.get(key)]
    shape += [(key, filters[key]) for key in _CHOICE_FILTERS if filters.get(key)]
    return tuple(shape), tuple(values)


def _value_kind(part: Any) -> type | None:
    if part in ("estate", "department"):
        return int
    if part in _VALUE_FILTERS:
        return str
    if part in ("received_from", "received_to", "overdue"):
        return dt.datetime
    return None


def _narrowed(scope: Visible, shape: tuple[Any, ...], values: Sequence[Any]) -> QuerySet:
    """The supervisor's list: every filter on top of the scoping query, newest first
    (nearest deadline first for the overdue)."""
    qs = with_pending_extension(scoped(scope).select_related(*LIST_COLUMNS))
    given = iter(values)
    for part in shape:
        if part in _VALUE_FILTERS:
            qs = qs.filter(**{_VALUE_FILTERS[part]: next(given)})
        elif part == "received_from":
            qs = qs.filter(received_at__gte=next(given))
        elif part == "received_to":
            qs = qs.filter(received_at__lt=next(given))
        elif part == "overdue":
            qs = qs.exclude(status=Status.CLOSED).filter(next_due__lt=next(given))
        elif part == "open_only":
            qs = qs.exclude(status=Status.CLOSED)
        elif part == "repeat":
            qs = qs.filter(repeat_of__isnull=False)
        elif part == "escalated":
            qs = qs.exclude(escalated_to="")
        elif part == "unrouted":
            qs = qs.filter(department__isnull=True)
        elif part[0] == "scope":
            qs = qs.filter(SCOPE_FILTERS[part[1]])
        elif part[0] == "extension":
            qs = by_extension(qs, part[1])
        elif part[0] == "callback":
            qs = by_callback(qs, part[1])
    return qs


def _ordered(qs: QuerySet[Complaint], shape: tuple[Any, ...]) -> QuerySet[Complaint]:
    if "overdue" in shape:
        return qs.order_by("next_due", "id")
    return qs.order_by("-received_at", "-id")


def complaint_list(user, *, filters: dict) -> QuerySet[Complaint]:
    """The supervisor's list and the search: every filter on top of the scoping query."""
    shape, values = list_terms(filters, timezone.now())
    qs = _narrowed(scope_of(user), shape, values)
    term = (filters.get("q") or "").strip()
    if term:
        qs = _search(qs, term)
    return _ordered(qs, shape)


def _list_page(shape: tuple[Any, ...], *values: Any) -> QuerySet[Complaint]:
    (kind, terms, offset, limit) = shape
    scope = _scope_rebuilt(kind, values)
    rest = values[_SCOPE_IDS[kind] :]
    return _ordered(_narrowed(scope, terms, rest), terms)[offset : offset + limit + 1]


def _list_page_kinds(shape: tuple[Any, ...]) -> tuple[type, ...]:
    kind, terms, _offset, _limit = shape
    found = [_value_kind(part) for part in terms]
    return (*_scope_kinds(kind), *(k for k in found if k is not None))


# The list without a search term, compiled once for each scope, set of filters and page.
_list_pages = Shapes(_list_page, _list_page_kinds)


def _departments(estate_id: int | None = None) -> QuerySet[Department]:
    qs = Department.objects.select_related("estate").order_by("estate__code", "kind")
    return qs if estate_id is None else qs.filter(estate_id=estate_id)


_every_department = Prepared(_departments)
_estate_departments = Prepared(_departments, int)


def department_choices(user) -> list[tuple[int, str]]:
    """The departments of the estates the user sees, as the list's filter offers them
    (each named with its estate), by a statement compiled once."""
    scope = scope_of(user)
    if scope.kind == ALL:
        departments = _every_department()
    elif scope.kind == NONE:
        departments = []
    else:
        departments = _estate_departments(scope.estate_id)
    return [(d.pk, str(d)) for d in departments]


def list_page(user, *, filters: dict, offset: int, limit: int) -> list[Complaint]:
    """``limit`` + 1 complaints of the list (see ``page_rows``)."""
    scope = scope_of(user)
    if (filters.get("q") or "").strip() or scope.kind == NONE:
        newest_first = not filters.get("overdue")
        return page_rows(
            complaint_list(user, filters=filters),
            offset=offset,
            limit=limit,
            windowed=bool(filters.get("q")) and newest_first,
        )
    terms, values = list_terms(filters, timezone.now())
    return _list_pages((scope.kind, terms, offset, limit), *_scope_values(scope), *values)


class Scope(models.TextChoices):
    """The list's scope filter: the monthly report's in / out of scope and solved on
    the spot rows link to it."""

    IN = "in", _("Within the company's scope")
    OUT = "out", _("Out of scope (非公司职责范围)")
    ON_THE_SPOT = "on_the_spot", _("Solved on the spot (当场解决)")


SCOPE_FILTERS = {
    Scope.IN: Q(in_scope=True),
    Scope.OUT: Q(in_scope=False),
    Scope.ON_THE_SPOT: Q(closure=Closure.ON_THE_SPOT),
}


class Extended(models.TextChoices):
    """Complaints whose department asked for more time (申请延期), with the decision."""

    ASKED = "asked", _("Extension asked")
    APPROVED = "approved", _("Extension approved")
    REFUSED = "refused", _("Extension refused")


def by_extension(qs: QuerySet[Complaint], which: str) -> QuerySet[Complaint]:
    """Complaints with an extension request (``Extended.ASKED``), or with one approved
    or refused: one EXISTS probe on the extensions' complaint index."""
    asked = Extension.objects.filter(complaint_id=OuterRef("pk"))
    if which != Extended.ASKED:
        asked = asked.filter(decision=which)
    return qs.filter(Exists(asked))


FULLY_CLOSED = "fully_closed"
CALLBACK_PENDING = "callback_pending"
# The callback's statuses (callbacks.models.Status, read here as strings: complaints must
# not import the app built on it). A callback is settled when it was done, recorded as
# not needed (anonymous, out of scope) or the resident was unreachable.
_CALLBACK_DUE = "due"
_CALLBACK_SETTLED = ("done", "not_needed", "unreachable")


def fully_closed_condition() -> Q:
    """True of a complaint whose callback is settled and none is waiting: a closed
    complaint is fully closed only then (SPEC §6). Read through the reverse relation
    ``Complaint.callbacks`` as one subquery a complaint on the callbacks' complaint_id
    index (a complaint has a callback or two). As two EXISTS, PostgreSQL hashed every
    callback due (~50,000 at the benchmark's estate) before it showed the first row:
    ~20 ms for a page of 50, and up to 0.7 s when the EXISTS became an anti-join."""
    callback = Complaint._meta.get_field("callbacks").related_model
    settled_none_waiting = (
        callback._default_manager.filter(complaint_id=OuterRef("pk"))
        .order_by()
        .values("complaint_id")
        .annotate(
            fully=Q(BoolOr(Q(status__in=_CALLBACK_SETTLED))) & ~Q(BoolOr(Q(status=_CALLBACK_DUE)))
        )
        .values("fully")
    )
    # No callback at all: the subquery is empty, so not fully closed.
    return Q(Coalesce(Subquery(settled_none_waiting), Value(False)))


def by_callback(qs: QuerySet[Complaint], which: str) -> QuerySet[Complaint]:
    """Closed complaints, fully closed (``FULLY_CLOSED``) or not yet: a callback waits,
    or none was ever opened (``CALLBACK_PENDING``)."""
    qs = qs.filter(status=Status.CLOSED)
    if which == FULLY_CLOSED:
        return qs.filter(fully_closed_condition())
    if which == CALLBACK_PENDING:
        return qs.exclude(fully_closed_condition())
    return qs


def _search(qs: QuerySet, term: str) -> QuerySet:
    upper = term.upper()
    if upper.startswith("TS-"):
        return qs.filter(number=upper)
    digits = term.replace("-", "").replace(" ", "")
    if digits.isdigit() and len(digits) >= 7:
        # Mobiles are stored as digits, landlines as 021-55551234: try both spellings.
        typed = term.replace(" ", "")
        return qs.filter(Q(resident_phone__startswith=digits) | Q(resident_phone__startswith=typed))
    if digits.isdigit():
        return qs.filter(unit__room=term)
    # A resident's name (2-4 characters) or words of the description.
    if len(term) <= 4 and not any(ch.isspace() for ch in term):
        by_name = qs.filter(resident_name=term)
        return by_name | search.filter_text(qs, term) if len(term) >= 2 else by_name
    return search.filter_text(qs, term)


@dataclass(frozen=True)
class UnitLookup:
    """The first ``len(units)`` units of ``total`` that match what the clerk typed."""

    units: list[Unit]
    total: int

    @property
    def cut(self) -> bool:
        return self.total > len(self.units)


# 3-2-201, 3栋2单元201室, "Bldg 3, unit 2, room 201" (Unit.label in either language):
# the words and marks between the parts of an address.
_ADDRESS_WORDS = re.compile(r"(?i)\b(?:bldg|building|unit|room)\b|号楼|栋|幢|单元|室|号|房")
_ADDRESS_PART = re.compile(r"[A-Za-z0-9]+")
# Rooms in numbering order: 101, 102 … 1001 (not 1001 before 101).
_LOOKUP_ORDER = ("building", "entrance", Length("room"), "room")


def _address_parts(term: str) -> tuple[str, ...] | None:
    """(building, entrance, room) or (building, room) when ``term`` is an address."""
    if not (_ADDRESS_WORDS.search(term) or re.search(r"[-\s,，/]", term)):
        return None
    parts = tuple(_ADDRESS_PART.findall(_ADDRESS_WORDS.sub(" ", term)))
    return parts if len(parts) in (2, 3) else None


def unit_lookup(*, estate_id: int, term: str, limit: int = 10) -> UnitLookup:
    """Units of the estate matching an address (``3-2-201``, ``3栋2单元201``, the unit's
    label), a room number, a resident's name, a phone number or its last 4 digits."""
    term = term.replace("\x00", "").strip()
    if not term:
        return UnitLookup([], 0)
    qs = Unit.objects.filter(estate_id=estate_id)
    digits = term.replace("-", "").replace(" ", "")
    parts = _address_parts(term)
    if digits.isdigit() and len(digits) >= 7:
        typed = term.replace(" ", "")
        qs = qs.filter(
            Q(residents__phone__startswith=digits) | Q(residents__phone__startswith=typed)
        )
    elif parts is not None:
        building, *middle, room = parts
        qs = qs.filter(building__iexact=building, room__iexact=room)
        if middle:
            qs = qs.filter(entrance__iexact=middle[0])
    elif digits.isdigit() and len(digits) == 4:
        # A room (1502) or the last 4 digits of a resident's phone.
        qs = qs.filter(Q(room__startswith=digits) | Q(residents__phone__endswith=digits))
    elif digits.isdigit():
        qs = qs.filter(room__startswith=digits)
    else:
        qs = qs.filter(residents__name__startswith=term)
    ids = qs.values("pk").distinct()
    total = Unit.objects.filter(pk__in=ids).count()
    units = list(
        Unit.objects.filter(pk__in=ids)
        .prefetch_related("residents")
        .order_by(*_LOOKUP_ORDER, "pk")[:limit]
    )
    return UnitLookup(units, total)


def unit_matches(*, estate_id: int, term: str, limit: int = 12) -> list[Unit]:
    """Units whose room, resident name or phone match what the clerk typed."""
    return unit_lookup(estate_id=estate_id, term=term, limit=limit).units


def unit_of_phone(*, estate_id: int, phone: str) -> Unit | None:
    """The one unit of the estate where a resident has this full phone number."""
    if not phone:
        return None
    units = list(
        Unit.objects.filter(estate_id=estate_id, residents__phone=phone)
        .distinct()
        .prefetch_related("residents")[:2]
    )
    return units[0] if len(units) == 1 else None


# A category goes to the department of the same kind, except fees (to finance).
_KIND_OF_CATEGORY = {Category.FEES.value: Department.Kind.FINANCE.value}


def default_departments(*, estate_id: int) -> dict[str, int]:
    """Category → the department it goes to by default: the department of the same kind,
    unless the estate's managers mapped the category elsewhere (Admin → 分类派单)."""
    departments = dict(Department.objects.filter(estate_id=estate_id).values_list("kind", "pk"))
    kinds = {c: _KIND_OF_CATEGORY.get(c, c) for c in Category.values}
    defaults = {c: departments[k] for c, k in kinds.items() if k in departments}
    defaults.update(
        CategoryDepartment.objects.filter(estate_id=estate_id).values_list(
            "category", "department_id"
        )
    )
    return defaults


def unit_history(
    *, estate_id: int, unit: Unit | None, phone: str, days: int = 90
) -> list[Complaint]:
    """Open complaints and those of the last ``days`` from this unit or phone."""
    if unit is None and not phone:
        return []
    cond = Q()
    if unit is not None:
        cond |= Q(unit=unit)
    if phone:
        cond |= Q(resident_phone=phone)
    since = timezone.now() - dt.timedelta(days=days)
    return list(
        Complaint.objects.filter(cond, estate_id=estate_id)
        .filter(Q(received_at__gte=since) | ~Q(status=Status.CLOSED))
        .select_related("department")
        .order_by("-received_at")[:20]
    )


def unit_repairs(*, unit: Unit | None, days: int = 90, limit: int = 10) -> list[Model]:
    """The unit's open repair orders and those of the last ``days``, newest first, for
    the intake's history panel: one query. Read through ``Unit.repair_orders`` because
    ``repairs`` builds on ``complaints``, never the other way."""
    if unit is None:
        return []
    since = timezone.now() - dt.timedelta(days=days)
    return list(
        unit.repair_orders.filter(Q(reported_at__gte=since) | Q(closed_at__isnull=True)).order_by(
            "-reported_at", "-pk"
        )[:limit]
    )


def pending_extensions_for(user) -> QuerySet[Extension]:
    return (
        Extension.objects.filter(
            decision=Extension.Decision.PENDING, complaint__in=complaints_for(user)
        )
        .select_related("complaint", "requested_by")
        .order_by("requested_at")
    )


# Newest-first windows for a search: the first page of a common word is found among the
# last days' rows without the planner weighing a whole year. Exact, not approximate: rows
# are ordered newest first, so when a window holds enough rows, they are the first rows of
# the whole result.
SEARCH_WINDOWS_DAYS = (7, 30, 90, 365, None)


def page_rows(qs: QuerySet, *, offset: int, limit: int, windowed: bool) -> list:
    """``limit`` + 1 rows from ``offset`` (the extra one says there is a next page)."""
    if not windowed:
        return list(qs[offset : offset + limit + 1])
    now = timezone.now()
    for days in SEARCH_WINDOWS_DAYS:
        window = qs if days is None else qs.filter(received_at__gte=now - dt.timedelta(days=days))
        rows = list(window[offset : offset + limit + 1])
        if len(rows) > limit or days is None:
            return rows
    return rows
