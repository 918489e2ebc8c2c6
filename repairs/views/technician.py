"""The technician's page, phone-sized: my orders and the ones open to take, each with
the one tap it needs next (take, arrived)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from staff.access import capability_required, profile_of
from staff.prepared import Shapes
from staff.roles import USE_REPAIR_ORDERS, Role

from ..models import OPEN_STATUSES, RepairOrder, Status
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
from .common import reads_board

# More than a technician has open in a day: the page stays small on a slow phone.
LIMIT = 30


def _base(reach: Reach) -> QuerySet[RepairOrder]:
    return (
        reached(reach)
        .select_related("unit")
        .defer("description", "work_done", "parts", "cannot_now_reason", "protective_measures")
    )


def _mine_open(reach: Reach, user_id: int) -> QuerySet[RepairOrder]:
    return (
        _base(reach)
        .filter(technician_id=user_id, status__in=OPEN_STATUSES)
        .exclude(status__in=[Status.SIGNED])
        .order_by("next_due", "reported_at")[:LIMIT]
    )


def _to_take(reach: Reach) -> QuerySet[RepairOrder]:
    return (
        _base(reach)
        .filter(technician__isnull=True, published=True, status=Status.DISPATCHED)
        .order_by("arrive_due", "reported_at")[:LIMIT]
    )


# Both lists compiled once for each shape of the reader's reach (staff.prepared): the
# page reloads after every tap. Their shape: the reach's, and the lines shown.
_MINE_OPEN = Shapes(
    lambda shape, *values: _mine_open(reach_rebuilt(shape[0], values), values[-1]),
    lambda shape: (*reach_kinds(shape[0]), int),
)
_TO_TAKE = Shapes(
    lambda shape, *values: _to_take(reach_rebuilt(shape[0], values)),
    lambda shape: reach_kinds(shape[0]),
)


def _orders(reach: Reach, user_id: int) -> tuple[list[RepairOrder], list[RepairOrder]]:
    shape, values = (reach_shape(reach), LIMIT), reach_values(reach)
    return _MINE_OPEN(shape, *values, user_id), _TO_TAKE(shape, *values)


@require_GET
@capability_required(USE_REPAIR_ORDERS)
def mine(request: HttpRequest) -> HttpResponse:
    profile = profile_of(request.user)
    if (profile is None or profile.role != Role.TECHNICIAN) and reads_board(request.user):
        return redirect("repairs:board")
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    reach = reach_of(request.user)
    mine_open: list[RepairOrder] = []
    to_take: list[RepairOrder] = []
    if reach.kind != NONE:
        assert request.user.pk is not None
        mine_open, to_take = _orders(reach, request.user.pk)
    # The work he finished today, by his id alone: repair_tech_finished_idx.
    done_today = RepairOrder.objects.filter(
        technician_id=request.user.pk, finished_at__gte=today
    ).count()
    context = {"mine": mine_open, "to_take": to_take, "done_today": done_today, "now": now}
    return render(request, "repairs/mine.html", context)
