"""What every complaint page shares: who may read, paging."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from staff.access import has_capability
from staff.roles import USE_DEPARTMENT_QUEUE, USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW

PAGE_SIZE = 50
MAX_PAGE = 2000  # deeper than anyone pages; narrow the filters instead


def _can_read(user) -> bool:
    return (
        any(
            has_capability(user, cap)
            for cap in (USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW, USE_DEPARTMENT_QUEUE)
        )
        or user.is_superuser
    )


def read_required(view):
    def wrapped(request, *args, **kwargs):
        if not _can_read(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return min(max(int(raw), 1), MAX_PAGE) if raw.isdigit() and len(raw) < 7 else 1
