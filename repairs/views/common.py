"""What every repair page shares: the order a user may open, and who reads the board."""

from __future__ import annotations

from django.http import Http404

from staff.access import capability_required, has_capability, profile_of
from staff.models import Department
from staff.roles import USE_INTAKE_DESK, USE_REPAIR_ORDERS, VIEW_ESTATE_OVERVIEW, Role

from ..models import RepairOrder
from ..selectors import orders_for

# Who reads repair orders: the technicians and heads, the desk, the estate's managers;
# which orders, ``orders_for`` says.
read_required = capability_required(USE_REPAIR_ORDERS, USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW)


def order_or_404(user, pk: int, *, related: tuple[str, ...] = (), **annotations) -> RepairOrder:
    """The order if the user may see it; another estate's, or a technician's colleague's,
    is a 404 (its existence is not confirmed)."""
    qs = orders_for(user)
    if related:
        qs = qs.select_related(*related)
    if annotations:
        qs = qs.annotate(**annotations)
    o = qs.filter(pk=pk).first()
    if o is None:
        raise Http404
    return o


def reads_board(user) -> bool:
    """The desk, the estate's managers and the engineering heads read the board."""
    if user.is_superuser or any(
        has_capability(user, cap) for cap in (USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW)
    ):
        return True
    profile = profile_of(user)
    return (
        profile is not None
        and profile.department is not None
        and profile.department.kind == Department.Kind.ENGINEERING
        and profile.role == Role.DEPARTMENT_HEAD
    )
