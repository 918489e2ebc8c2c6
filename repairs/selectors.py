"""Reads of repair orders. ``orders_for`` is the one scoping query: whatever lists or
opens an order is built on it."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from staff.access import has_capability, profile_of
from staff.roles import VIEW_ALL_ESTATES, Role

from .models import RepairOrder, Status


def orders_for(user) -> QuerySet[RepairOrder]:
    """A technician: his orders and those of his estate open to take; the desk, heads and
    managers of an estate: the estate's; the general manager: all."""
    # The drawn signature is read only where it is shown (its own URL).
    qs = RepairOrder.objects.defer("signature")
    if user.is_superuser or has_capability(user, VIEW_ALL_ESTATES):
        return qs
    profile = profile_of(user)
    if profile is None or profile.estate_id is None:
        return qs.none()
    qs = qs.filter(estate_id=profile.estate_id)
    if profile.role == Role.TECHNICIAN:
        open_to_take = Q(
            technician__isnull=True,
            published=True,
            status=Status.DISPATCHED,
            department_id=profile.department_id,
        )
        return qs.filter(Q(technician_id=user.pk) | open_to_take)
    return qs
