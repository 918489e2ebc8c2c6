"""Who needs a request's contact data (staff.privacy): the desk of its estate."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from staff.access import is_desk
from staff.privacy import ContactCase

from .models import Request, Status
from .selectors import requests_for


def needs_contact(user, r: Request) -> bool:
    return is_desk(user, r.estate_id)


CASE = ContactCase(
    key="request",
    model=Request,
    visible=requests_for,
    needs=needs_contact,
    closed_at="answered_at",
    closed=Q(status=Status.CLOSED),
    label=_("Inquiry or help request"),
)
