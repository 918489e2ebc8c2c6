"""Supervisors and managers: regrade, escalate, notes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import policy
from ..models import (
    Complaint,
    ComplaintEvent,
    EventKind,
    Grade,
)
from .base import (
    ComplaintError,
    Conflict,
    IllegalTransition,
    NotAllowed,
    _lock,
    _require_regrader,
    _save,
    _works_at,
    event_write,
    regrade_clocks,
)


@transaction.atomic
def complaint_regrade(*, actor, complaint_id: int, grade: str, reason: str) -> Complaint:
    if not reason.strip():
        raise ComplaintError(_("A regrade needs a reason."))
    if grade not in Grade.values:
        raise ComplaintError(_("Unknown grade."))
    c = _lock(complaint_id)
    _require_regrader(actor, c)
    if not c.is_open:
        raise IllegalTransition(_("A closed complaint is not regraded; reopen it first."))
    if c.grade == grade:
        raise Conflict(
            _("Complaint %(n)s is already %(g)s.") % {"n": c.number, "g": c.get_grade_display()}
        )
    previous = c.grade
    c.grade = grade
    _save(c, regrade_clocks(c))
    event_write(
        complaint=c,
        kind=EventKind.REGRADED,
        actor=actor,
        note=reason.strip(),
        previous=previous,
        grade=grade,
    )
    return c


@transaction.atomic
def complaint_escalate(*, actor, complaint_id: int, note: str = "") -> Complaint:
    """Pass an important complaint to the office director, a major one to the GM."""
    c = _lock(complaint_id)
    _require_regrader(actor, c)
    to = policy.ESCALATE_TO.get(c.grade)
    if to is None:
        raise IllegalTransition(_("Minor complaints are not escalated."))
    if not c.is_open:
        raise IllegalTransition(_("A closed complaint is not escalated."))
    if c.escalated_to == to:
        raise Conflict(_("Complaint %(n)s was already escalated.") % {"n": c.number})
    c.escalated_to, c.escalated_at = to, timezone.now()
    _save(c, ["escalated_to", "escalated_at"])
    event_write(complaint=c, kind=EventKind.ESCALATED, actor=actor, note=note.strip(), to=to)
    return c


@transaction.atomic
def complaint_add_note(*, actor, complaint_id: int, note: str) -> ComplaintEvent:
    if not note.strip():
        raise ComplaintError(_("The note is empty."))
    c = _lock(complaint_id)
    if not _works_at(actor, c.estate_id):
        raise NotAllowed(_("You do not work at this estate."))
    return event_write(complaint=c, kind=EventKind.NOTE, actor=actor, note=note.strip())
