"""Who needs a complaint's contact data (staff.privacy): the desk of its estate, and the
head of the department it is routed to while it is open."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from staff.access import is_desk
from staff.privacy import ContactCase
from staff.selectors import department_heads

from .models import Complaint, Status
from .selectors import complaints_for


def needs_contact(user, c: Complaint) -> bool:
    if is_desk(user, c.estate_id):
        return True
    return (
        c.status != Status.CLOSED
        and c.department_id is not None
        and any(u.pk == user.pk for u in department_heads(c.department_id))
    )


CASE = ContactCase(
    key="complaint",
    model=Complaint,
    visible=complaints_for,
    needs=needs_contact,
    closed_at="closed_at",
    closed=Q(status=Status.CLOSED),
    label=_("Complaint"),
)
