"""The department queue and the list of complaints with filters and search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from staff.access import capability_required, estates_for, has_capability, sees_several_estates
from staff.roles import REGRADE_COMPLAINTS, USE_DEPARTMENT_QUEUE

from .. import selectors, services
from ..forms import ComplaintFilterForm
from .common import PAGE_SIZE, page_number, read_required


@require_GET
@capability_required(USE_DEPARTMENT_QUEUE)
def queue(request: HttpRequest) -> HttpResponse:
    page = page_number(request)
    rows = selectors.queue_page(request.user, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    complaints = rows[:PAGE_SIZE]
    # Signed for from the queue itself (签收): the same rule as the complaint page.
    signable = {c.pk for c in complaints if services.complaint_can_sign(request.user, c)}
    return render(
        request,
        "complaints/queue.html",
        {
            "complaints": complaints,
            "in_queue": True,
            "signable": signable,
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": "",
            "now": timezone.now(),
        },
    )


@require_GET
@read_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    estates = estates_for(request.user)
    form = ComplaintFilterForm(
        request.GET or None,
        estates=estates,
        departments=selectors.department_choices(request.user),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    page = page_number(request)
    rows = selectors.list_page(
        request.user, filters=filters, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/list.html",
        {
            "form": form,
            "show_estate": sees_several_estates(request.user),
            "complaints": rows[:PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
            "now": timezone.now(),
            "extensions": list(selectors.pending_extensions_for(request.user)[:50])
            if has_capability(request.user, REGRADE_COMPLAINTS)
            else [],
        },
    )
