"""Reads of complaints. ``complaints_for`` is the one scoping query: lists, search,
counts, the queue and the detail page are all built on it, so nothing shows in a list
that its user could not open."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from staff.access import has_capability, profile_of
from staff.models import Unit
from staff.roles import DEPARTMENT_ROLES, VIEW_ALL_ESTATES

from . import search
from .models import Complaint, Extension, Status


def complaints_for(user) -> QuerySet[Complaint]:
    qs = Complaint.objects.all()
    if user.is_superuser or has_capability(user, VIEW_ALL_ESTATES):
        return qs
    profile = profile_of(user)
    if profile is None or profile.estate_id is None:
        return qs.none()
    qs = qs.filter(estate_id=profile.estate_id)
    if profile.role in DEPARTMENT_ROLES:
        if profile.department_id is None:
            return qs.filter(department__isnull=True)
        qs = qs.filter(department_id=profile.department_id)
    return qs


def get_complaint_for_user(user, pk: int) -> Complaint:
    c = (
        complaints_for(user)
        .select_related(
            "estate", "unit", "department", "target_department", "received_by", "repeat_of"
        )
        .filter(pk=pk)
        .first()
    )
    if c is None:
        raise Http404
    return c


LIST_COLUMNS = ("estate", "department", "unit")


def with_pending_extension(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Rows carry ``pending_extensions`` (one more query per page), so lists can say who
    must approve. The search column is never needed in a list."""
    return qs.defer("search_bigrams").prefetch_related(
        Prefetch(
            "extensions",
            queryset=Extension.objects.filter(decision=Extension.Decision.PENDING),
            to_attr="pending_extensions",
        )
    )


def queue_for(user) -> QuerySet[Complaint]:
    """The department's open complaints, nearest deadline first (complaint_dept_queue_idx)."""
    profile = profile_of(user)
    if profile is None or profile.department_id is None:
        return Complaint.objects.none()
    qs = (
        complaints_for(user)
        .filter(department_id=profile.department_id)
        .exclude(status=Status.CLOSED)
        .select_related(*LIST_COLUMNS)
        .order_by("next_due", "id")
    )
    return with_pending_extension(qs)


def complaint_list(user, *, filters: dict) -> QuerySet[Complaint]:
    """The supervisor's list and the search: every filter on top of the scoping query."""
    qs = with_pending_extension(complaints_for(user).select_related(*LIST_COLUMNS))
    if filters.get("estate"):
        qs = qs.filter(estate=filters["estate"])
    for field in ("grade", "status", "category"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("department"):
        qs = qs.filter(department=filters["department"])
    if filters.get("open_only"):
        qs = qs.exclude(status=Status.CLOSED)
    if filters.get("overdue"):
        qs = qs.exclude(status=Status.CLOSED).filter(next_due__lt=timezone.now())
    if filters.get("repeat"):
        qs = qs.filter(repeat_of__isnull=False)
    term = (filters.get("q") or "").strip()
    if term:
        qs = _search(qs, term)
    if filters.get("overdue"):
        return qs.order_by("next_due", "id")
    return qs.order_by("-received_at", "-id")


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


def unit_matches(*, estate_id: int, term: str, limit: int = 12) -> list[Unit]:
    """Units whose room, resident name or phone match what the clerk typed."""
    term = term.strip()
    if not term:
        return []
    qs = Unit.objects.filter(estate_id=estate_id)
    if term.replace("-", "").isdigit() and len(term) >= 7:
        qs = qs.filter(residents__phone__startswith=term)
    elif term.replace("-", "").isdigit():
        qs = qs.filter(Q(room=term) | Q(room__startswith=term))
    else:
        qs = qs.filter(residents__name__startswith=term)
    return list(
        qs.distinct().prefetch_related("residents").order_by("building", "entrance", "room")[:limit]
    )


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
