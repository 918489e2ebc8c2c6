"""The department's work and the desk's follow-up: sign for, handle, extensions, tell
the resident, close, reopen."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events, notices, policy
from ..clocks import DEADLINE_FIELDS, inform_due_for, start_clocks
from ..models import Closure, Complaint, Extension, Status
from ..signals import complaint_closed
from .base import (
    ComplaintError,
    Conflict,
    IllegalTransition,
    NotAllowed,
    _lock,
    _move,
    _save,
    book_of,
    checked_note,
)
from .permissions import (
    CLOSE,
    CLOSE_OVER_REPAIRS,
    EXTEND,
    HANDLE,
    INFORM,
    REOPEN,
    SIGN,
    complaint_can_decide_extension,
    open_repair_numbers,
)


@transaction.atomic
def complaint_sign(*, actor: User, complaint_id: int) -> Complaint:
    """The department signs for the form (签收)."""
    c = _lock(complaint_id)
    SIGN.check(actor, c)
    _move(c, Status.SIGNED)
    c.signed_at = timezone.now()
    _save(c, ["status", "signed_at"], book_of(c))
    events.record(events.signed(c, actor=actor))
    return c


@transaction.atomic
def complaint_handle(*, actor: User, complaint_id: int, note: str) -> Complaint:
    """The department records what was done and the result."""
    if not note.strip():
        raise ComplaintError(_("Write what was done and the result."))
    note = checked_note(note)
    c = _lock(complaint_id)
    HANDLE.check(actor, c)
    book = book_of(c)
    _move(c, Status.HANDLED)
    c.handled_at = timezone.now()
    c.handling_note = note.strip()
    c.inform_due = inform_due_for(book, c.handled_at)
    _save(c, ["status", "handled_at", "handling_note", "inform_due"], book)
    # Handled in time after all: a request still waiting has nothing left to decide.
    c.extensions.filter(decision=Extension.Decision.PENDING).update(
        decision=Extension.Decision.WITHDRAWN, decided_at=c.handled_at
    )
    events.record(events.handled(c, actor=actor))
    return c


@transaction.atomic
def extension_request(
    *,
    actor: User,
    complaint_id: int,
    reason: str,
    interim_measure: str,
    new_deadline: dt.datetime,
) -> Extension:
    """A department that cannot meet the deadline asks for more time (001 §4.3)."""
    c = _lock(complaint_id)
    EXTEND.check(actor, c)
    if not reason.strip() or not interim_measure.strip():
        raise ComplaintError(_("Give the reason and the interim measure."))
    reason, interim_measure = checked_note(reason), checked_note(interim_measure)
    if new_deadline <= (c.resolve_due or timezone.now()):
        raise ComplaintError(_("The new deadline must be later than the current one."))
    if c.extensions.filter(decision=Extension.Decision.PENDING).exists():
        raise Conflict(_("An extension request is already waiting for a decision."))
    ext = Extension.objects.create(
        complaint=c,
        requested_by=actor,
        requested_at=timezone.now(),
        reason=reason.strip(),
        interim_measure=interim_measure.strip(),
        new_deadline=new_deadline,
        approver_role=policy.EXTENSION_APPROVER[c.grade],
    )
    events.record(
        events.extension_requested(
            c,
            actor=actor,
            reason=ext.reason,
            interim_measure=ext.interim_measure,
            new_deadline=new_deadline,
            approver=ext.approver_role,
        )
    )
    notices.extensions_waiting([ext])
    return ext


@transaction.atomic
def extension_decide(*, actor: User, extension_id: int, approve: bool, note: str = "") -> Extension:
    note = checked_note(note)
    try:
        ext = Extension.objects.select_for_update().get(pk=extension_id)
    except Extension.DoesNotExist:
        raise ComplaintError(_("This extension request does not exist.")) from None
    c = _lock(ext.complaint_id)
    if not complaint_can_decide_extension(actor, c):
        raise NotAllowed(_("Only the approver named on the request may decide it."))
    if ext.decision != Extension.Decision.PENDING:
        raise Conflict(_("This request was already decided."))
    if not approve and not note:
        raise ComplaintError(
            _(
                "Give the reason for refusing: the department reads it and must still meet "
                "the current deadline."
            )
        )
    if approve and c.status not in (Status.ROUTED, Status.SIGNED):
        raise IllegalTransition(_("The complaint is no longer being handled."))
    if approve and c.resolve_due and ext.new_deadline <= c.resolve_due:
        raise IllegalTransition(_("The requested deadline is no later than the current one."))
    ext.approver_role = policy.EXTENSION_APPROVER[c.grade]
    ext.decision = Extension.Decision.APPROVED if approve else Extension.Decision.REFUSED
    ext.decided_by, ext.decided_at, ext.decision_note = actor, timezone.now(), note.strip()
    ext.save(
        update_fields=["approver_role", "decision", "decided_by", "decided_at", "decision_note"]
    )
    if approve:
        previous = c.resolve_due
        c.resolve_due = ext.new_deadline
        _save(c, ["resolve_due"], book_of(c))
        events.record(
            events.extension_approved(
                c,
                actor=actor,
                note=ext.decision_note,
                previous=previous,
                new_deadline=ext.new_deadline,
            )
        )
    else:
        events.record(events.extension_refused(c, actor=actor, note=ext.decision_note))
    ext.complaint = c
    notices.extension_decided(ext)
    return ext


@transaction.atomic
def complaint_inform(*, actor: User, complaint_id: int, method: str, note: str = "") -> Complaint:
    """The desk tells the resident the result (phone, or a visit by the floor patrol)."""
    note = checked_note(note)
    c = _lock(complaint_id)
    INFORM.check(actor, c)
    _move(c, Status.INFORMED)
    c.informed_at = timezone.now()
    _save(c, ["status", "informed_at"], book_of(c))
    events.record(events.informed(c, actor=actor, method=method, note=note.strip()))
    return c


@transaction.atomic
def complaint_close(*, actor: User, complaint_id: int, override_reason: str = "") -> Complaint:
    """The desk closes a complaint the resident was told the result of. While a repair
    order opened from it is still open it stays open, unless the supervisor, the office
    director or the general manager closes it over them, giving the reason (logged)."""
    override_reason = checked_note(override_reason)
    c = _lock(complaint_id)
    open_repairs = open_repair_numbers(c) if c.status == Status.INFORMED else []
    if open_repairs and override_reason:
        CLOSE_OVER_REPAIRS.check(actor, c)
    else:
        CLOSE.check(actor, c)  # refuses while repair orders are open
        override_reason = ""
    _move(c, Status.CLOSED)
    c.closed_at = timezone.now()
    c.closure = Closure.HANDLED
    _save(c, ["status", "closed_at", "closure"], book_of(c))
    events.record(
        events.closed(c, actor=actor, override=override_reason, open_repairs=open_repairs)
    )
    complaint_closed.send(sender=Complaint, complaint=c, actor=actor)
    return c


@transaction.atomic
def complaint_reopen(*, actor: User, complaint_id: int, reason: str) -> Complaint:
    """E.g. after an unsatisfied callback: the clocks start again from now."""
    if not reason.strip():
        raise ComplaintError(_("Say why the complaint is reopened."))
    reason = checked_note(reason)
    c = _lock(complaint_id)
    REOPEN.check(actor, c)
    book = book_of(c)
    _move(c, Status.REOPENED)
    now = timezone.now()
    upgrade_due = c.upgrade_due
    start_clocks(c, now, book)
    c.upgrade_due = upgrade_due  # a month from receipt still makes it major
    c.reopened_at = now
    c.closure = ""
    c.closed_at = c.signed_at = c.handled_at = c.informed_at = c.inform_due = None
    fields = ["status", "closure", "closed_at", "signed_at", "handled_at", "informed_at"]
    _save(c, [*fields, "inform_due", "reopened_at", *DEADLINE_FIELDS], book)
    events.record(events.reopened(c, actor=actor, reason=reason.strip()))
    return c
