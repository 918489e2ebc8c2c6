"""What every complaint service shares: the errors, the row lock, the state-machine
move, the clocks kept after a change, numbering and repeats."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.numbers import next_number
from casework.permissions import CaseError
from casework.permissions import Conflict as Conflict
from casework.permissions import IllegalTransition as IllegalTransition
from casework.permissions import NotAllowed as NotAllowed
from casework.rules import RuleBook
from staff.models import Estate, Unit
from staff.prepared import Prepared

from .. import limits
from ..clocks import TABLE, approved_deadlines, pass_pending_extensions, regrade_clocks
from ..models import TRANSITIONS, Complaint, ComplaintCounter, Status

logger = logging.getLogger(__name__)

REPEAT_WINDOW = dt.timedelta(days=90)


# The errors of every kind of case; ComplaintError is what the complaint desk catches.
ComplaintError = CaseError


def too_long(text: str, limit: int) -> str | None:
    """The message for a free text longer than a paper form has room for."""
    if len(text.strip()) <= limit:
        return None
    return _("At most %(limit)d characters, please (this is %(n)d): say it briefly.") % {
        "limit": limit,
        "n": len(text.strip()),
    }


def checked_note(text: str) -> str:
    """A note, reason or measure, stripped; refused when longer than the form allows."""
    message = too_long(text, limits.NOTE)
    if message:
        raise ComplaintError(message)
    return text.strip()


def _lock(complaint_id: int) -> Complaint:
    try:
        return Complaint.objects.select_for_update().get(pk=complaint_id)
    except Complaint.DoesNotExist:
        raise ComplaintError(_("This complaint does not exist.")) from None


STATUS_LABELS = dict(Status.choices)


def transition_refusal(complaint: Complaint, to: str) -> ComplaintError | None:
    """Why ``complaint`` cannot move to status ``to`` now, or None if it can."""
    if to in TRANSITIONS.get(complaint.status, set()):
        return None
    # The labels from the choices, not get_status_display (which rebuilds the choices
    # on every call): lists ask this of every row to show or hide a button.
    status = STATUS_LABELS.get(complaint.status, complaint.status)
    if complaint.status == to:
        return Conflict(
            _("Complaint %(n)s is already %(s)s.") % {"n": complaint.number, "s": status}
        )
    return IllegalTransition(
        _("Complaint %(n)s is %(s)s: it cannot become %(t)s.")
        % {"n": complaint.number, "s": status, "t": Status(to).label}
    )


def _move(complaint: Complaint, to: str) -> None:
    refusal = transition_refusal(complaint, to)
    if refusal is not None:
        raise refusal
    complaint.status = to


def book_of(c: Complaint) -> RuleBook:
    """The rules and the calendar of the complaint's company, loaded once per service."""
    return RuleBook.load(
        Estate.objects.filter(pk=c.estate_id).values_list("company_id", flat=True).first()
    )


def _save(c: Complaint, fields: list[str], book: RuleBook) -> None:
    """Save ``fields`` with the clocks they leave: the nearest deadline and the next
    alarm."""
    c.save(update_fields=[*fields, *TABLE.refresh(c, book)])


def _regrade(c: Complaint, book: RuleBook) -> list[str]:
    """A service's regrade: new clocks, and a waiting extension passed to the approver
    of the new grade."""
    fields = regrade_clocks(c, book, approved=approved_deadlines([c.pk]).get(c.pk))
    pass_pending_extensions([c.pk], c.grade)
    return fields


def _next_number(estate: Estate, at: dt.datetime) -> str:
    return next_number(ComplaintCounter, estate_id=estate.pk, prefix="TS", at=at)


def find_repeat(
    *, estate: Estate, unit: Unit | None, phone: str, category: str
) -> Complaint | None:
    """The latest complaint of the same category from the same unit or phone (二次投诉)."""
    since = timezone.now() - REPEAT_WINDOW
    found = []
    if unit is not None:
        found += _latest_of_unit(estate.pk, category, since, unit.pk)
    if phone:
        found += _latest_of_phone(estate.pk, category, since, phone)
    return max(found, key=lambda c: c.received_at) if found else None


def _latest(estate_id: int, category: str, since: dt.datetime, **whose: Any) -> QuerySet:
    return Complaint.objects.filter(
        estate_id=estate_id, category=category, received_at__gte=since, **whose
    ).order_by("-received_at")[:1]


# Asked at every intake: compiled once a process (staff.prepared).
_latest_of_unit = Prepared(
    lambda e, c, since, unit: _latest(e, c, since, unit_id=unit), int, str, dt.datetime, int
)
_latest_of_phone = Prepared(
    lambda e, c, since, phone: _latest(e, c, since, resident_phone=phone),
    *(int, str, dt.datetime, str),
)
