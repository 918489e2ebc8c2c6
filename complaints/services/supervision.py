"""Supervisors and managers: regrade, escalate, notes."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events, policy
from ..models import Complaint, ComplaintEvent, Grade
from .base import ComplaintError, Conflict, _lock, _regrade, _save, book_of, checked_note
from .permissions import ADD_NOTE, ESCALATE, REGRADE


@transaction.atomic
def complaint_regrade(*, actor: User, complaint_id: int, grade: str, reason: str) -> Complaint:
    if not reason.strip():
        raise ComplaintError(_("A regrade needs a reason."))
    if grade not in Grade.values:
        raise ComplaintError(_("Unknown grade."))
    reason = checked_note(reason)
    c = _lock(complaint_id)
    REGRADE.check(actor, c)
    if c.grade == grade:
        raise Conflict(
            _("Complaint %(n)s is already %(g)s.") % {"n": c.number, "g": c.get_grade_display()}
        )
    book = book_of(c)
    previous = c.grade
    c.grade = grade
    _save(c, _regrade(c, book), book)
    events.record(events.regraded(c, actor=actor, previous=previous, note=reason.strip()))
    return c


@transaction.atomic
def complaint_escalate(*, actor: User, complaint_id: int, note: str = "") -> Complaint:
    """Pass an important complaint to the office director, a major one to the GM."""
    note = checked_note(note)
    c = _lock(complaint_id)
    ESCALATE.check(actor, c)
    to = policy.ESCALATE_TO[c.grade]
    c.escalated_to, c.escalated_at = to, timezone.now()
    _save(c, ["escalated_to", "escalated_at"], book_of(c))
    events.record(events.escalated(c, actor=actor, to=to, note=note.strip()))
    return c


@transaction.atomic
def complaint_add_note(*, actor: User, complaint_id: int, note: str) -> ComplaintEvent:
    if not note.strip():
        raise ComplaintError(_("The note is empty."))
    note = checked_note(note)
    c = _lock(complaint_id)
    ADD_NOTE.check(actor, c)
    return events.record(events.noted(c, actor=actor, note=note.strip()))
