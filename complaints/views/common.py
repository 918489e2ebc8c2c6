"""What every complaint page shares: who may read, paging, the routing warning."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from staff.access import capability_required
from staff.roles import USE_DEPARTMENT_QUEUE, USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW
from staff.selectors import department_has_head

from ..models import Complaint, Status

PAGE_SIZE = 50
MAX_PAGE = 2000  # deeper than anyone pages; narrow the filters instead


# Every role that works complaints; rows are scoped further by the selectors.
read_required = capability_required(USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW, USE_DEPARTMENT_QUEUE)


def page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return min(max(int(raw), 1), MAX_PAGE) if raw.isdigit() and len(raw) < 7 else 1


def warn_if_nobody_is_told(request: HttpRequest, c: Complaint) -> None:
    """Routed to a department without a head: nobody gets the notice, so the clerk
    must phone the department (and a manager name a head in the admin)."""
    if (
        c.status == Status.ROUTED
        and c.department is not None
        and not department_has_head(c.department_id)
    ):
        messages.warning(
            request,
            _(
                "%(d)s has no head: nobody was told of complaint %(n)s. Phone the "
                "department, and ask a manager to name its head in the admin."
            )
            % {"d": c.department.name, "n": c.number},
        )
