"""The technician's page, phone-sized: my orders and the ones open to take, each with
the one tap it needs next (take, arrived)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from staff.access import capability_required, profile_of
from staff.roles import USE_REPAIR_ORDERS, Role

from ..models import OPEN_STATUSES, RepairOrder, Status
from ..selectors import orders_for
from .common import reads_board

# More than a technician has open in a day: the page stays small on a slow phone.
LIMIT = 30


@require_GET
@capability_required(USE_REPAIR_ORDERS)
def mine(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request.user)
    if (profile is None or profile.role != Role.TECHNICIAN) and reads_board(request.user):
        return redirect("repairs:board")
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    base = (
        orders_for(request.user)
        .select_related("unit")
        .defer("description", "work_done", "parts", "cannot_now_reason", "protective_measures")
    )
    mine_open = list(
        base.filter(technician_id=request.user.pk, status__in=OPEN_STATUSES)
        .exclude(status__in=[Status.SIGNED])
        .order_by("next_due", "reported_at")[:LIMIT]
    )
    to_take = list(
        base.filter(technician__isnull=True, published=True, status=Status.DISPATCHED).order_by(
            "arrive_due", "reported_at"
        )[:LIMIT]
    )
    # The work he finished today, by his id alone: repair_tech_finished_idx.
    done_today = RepairOrder.objects.filter(
        technician_id=request.user.pk, finished_at__gte=today
    ).count()
    context = {"mine": mine_open, "to_take": to_take, "done_today": done_today, "now": now}
    return render(request, "repairs/mine.html", context)
