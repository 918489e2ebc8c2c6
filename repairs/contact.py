"""Who needs a repair order's contact data (staff.privacy): the desk of its estate, and
the technician it is assigned to while it is open."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from staff.access import is_desk
from staff.privacy import ContactCase

from .models import RepairOrder, Status
from .selectors import orders_for


def needs_contact(user, o: RepairOrder) -> bool:
    if is_desk(user, o.estate_id):
        return True
    return o.status != Status.CLOSED and o.technician_id == user.pk


CASE = ContactCase(
    key="repair",
    model=RepairOrder,
    visible=orders_for,
    needs=needs_contact,
    closed_at="closed_at",
    closed=Q(status=Status.CLOSED),
    label=_("Repair order"),
)
