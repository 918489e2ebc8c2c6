"""The department's work and the desk's follow-up: sign for, handle, extensions, tell
the resident, close, reopen."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.access import has_capability
from staff.roles import (
    APPROVE_IMPORTANT_EXTENSIONS,
    APPROVE_MINOR_EXTENSIONS,
    REGRADE_COMPLAINTS,
    USE_INTAKE_DESK,
)

from .. import policy
from ..models import (
    Closure,
    Complaint,
    EventKind,
    Extension,
    Status,
)
from .base import (
    DEADLINE_FIELDS,
    ComplaintError,
    Conflict,
    IllegalTransition,
    NotAllowed,
    _apply_deadlines,
    _lock,
    _move,
    _require_department,
    _require_desk,
    _save,
    _works_at,
    calendar_of,
    event_write,
)


@transaction.atomic
def complaint_sign(*, actor, complaint_id: int) -> Complaint:
    """The department signs for the form (签收)."""
    c = _lock(complaint_id)
    _require_department(actor, c)
    _move(c, Status.SIGNED)
    c.signed_at = timezone.now()
    _save(c, ["status", "signed_at"])
    event_write(complaint=c, kind=EventKind.SIGNED, actor=actor)
    return c


@transaction.atomic
def complaint_handle(*, actor, complaint_id: int, note: str) -> Complaint:
    """The department records what was done and the result."""
    if not note.strip():
        raise ComplaintError(_("Write what was done and the result."))
    c = _lock(complaint_id)
    _require_department(actor, c)
    _move(c, Status.HANDLED)
    c.handled_at = timezone.now()
    c.handling_note = note.strip()
    c.inform_due = policy.inform_due_for(c.handled_at, calendar_of(c))
    _save(c, ["status", "handled_at", "handling_note", "inform_due"])
    # Handled in time after all: a request still waiting has nothing left to decide.
    c.extensions.filter(decision=Extension.Decision.PENDING).update(
        decision=Extension.Decision.WITHDRAWN, decided_at=c.handled_at
    )
    event_write(complaint=c, kind=EventKind.HANDLED, actor=actor, note=c.handling_note)
    return c


@transaction.atomic
def extension_request(
    *, actor, complaint_id: int, reason: str, interim_measure: str, new_deadline: dt.datetime
) -> Extension:
    """A department that cannot meet the deadline asks for more time (001 §4.3)."""
    c = _lock(complaint_id)
    _require_department(actor, c)
    if c.status not in (Status.ROUTED, Status.SIGNED):
        raise IllegalTransition(_("Only a complaint still being handled can be extended."))
    if not reason.strip() or not interim_measure.strip():
        raise ComplaintError(_("Give the reason and the interim measure."))
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
    event_write(
        complaint=c,
        kind=EventKind.EXTENSION_REQUESTED,
        actor=actor,
        note=ext.reason,
        interim_measure=ext.interim_measure,
        new_deadline=new_deadline.isoformat(),
        approver=ext.approver_role,
    )
    return ext


APPROVER_CAPABILITY = {
    "office_director": APPROVE_MINOR_EXTENSIONS,
    "general_manager": APPROVE_IMPORTANT_EXTENSIONS,
}


def can_decide(actor, ext: Extension, complaint: Complaint) -> bool:
    """The approver is the one the complaint's grade names now (SPEC §3)."""
    approver = policy.EXTENSION_APPROVER[complaint.grade]
    return has_capability(actor, APPROVER_CAPABILITY[approver]) and _works_at(
        actor, complaint.estate_id
    )


@transaction.atomic
def extension_decide(*, actor, extension_id: int, approve: bool, note: str = "") -> Extension:
    try:
        ext = Extension.objects.select_for_update().get(pk=extension_id)
    except Extension.DoesNotExist:
        raise ComplaintError(_("This extension request does not exist.")) from None
    c = _lock(ext.complaint_id)
    if not can_decide(actor, ext, c):
        raise NotAllowed(_("Only the approver named on the request may decide it."))
    if ext.decision != Extension.Decision.PENDING:
        raise Conflict(_("This request was already decided."))
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
        _save(c, ["resolve_due"])
        event_write(
            complaint=c,
            kind=EventKind.EXTENSION_APPROVED,
            actor=actor,
            note=ext.decision_note,
            previous=previous.isoformat() if previous else None,
            new_deadline=ext.new_deadline.isoformat(),
        )
    else:
        event_write(
            complaint=c, kind=EventKind.EXTENSION_REFUSED, actor=actor, note=ext.decision_note
        )
    return ext


# --- back at the desk ----------------------------------------------------------------------


@transaction.atomic
def complaint_inform(*, actor, complaint_id: int, method: str, note: str = "") -> Complaint:
    """The desk tells the resident the result (phone, or a visit by the floor patrol)."""
    c = _lock(complaint_id)
    _require_desk(actor, c.estate_id)
    _move(c, Status.INFORMED)
    c.informed_at = timezone.now()
    _save(c, ["status", "informed_at"])
    event_write(complaint=c, kind=EventKind.INFORMED, actor=actor, note=note.strip(), method=method)
    return c


@transaction.atomic
def complaint_close(*, actor, complaint_id: int) -> Complaint:
    c = _lock(complaint_id)
    _require_desk(actor, c.estate_id)
    if c.status != Status.INFORMED:
        # RECEIVED/REOPENED → CLOSED exists only for on-the-spot and out-of-scope closures.
        if c.status == Status.CLOSED:
            raise Conflict(
                _("Complaint %(n)s is already %(s)s.")
                % {"n": c.number, "s": c.get_status_display()}
            )
        raise IllegalTransition(
            _("Complaint %(n)s is %(s)s: tell the resident the result before closing it.")
            % {"n": c.number, "s": c.get_status_display()}
        )
    _move(c, Status.CLOSED)
    c.closed_at = timezone.now()
    c.closure = Closure.HANDLED
    _save(c, ["status", "closed_at", "closure"])
    event_write(complaint=c, kind=EventKind.CLOSED, actor=actor, closure=Closure.HANDLED)
    return c


@transaction.atomic
def complaint_reopen(*, actor, complaint_id: int, reason: str) -> Complaint:
    """E.g. after an unsatisfied callback: the clocks start again from now."""
    if not reason.strip():
        raise ComplaintError(_("Say why the complaint is reopened."))
    c = _lock(complaint_id)
    if not (
        _works_at(actor, c.estate_id)
        and (has_capability(actor, USE_INTAKE_DESK) or has_capability(actor, REGRADE_COMPLAINTS))
    ):
        raise NotAllowed(_("Only the service desk or a supervisor may reopen a complaint."))
    _move(c, Status.REOPENED)
    now = timezone.now()
    upgrade_due = c.upgrade_due
    _apply_deadlines(c, now)
    c.upgrade_due = upgrade_due
    c.reopened_at = now
    c.closure = ""
    c.closed_at = c.signed_at = c.handled_at = c.informed_at = c.inform_due = None
    _save(
        c,
        [
            "status",
            "closure",
            "closed_at",
            "signed_at",
            "handled_at",
            "informed_at",
            "inform_due",
            "reopened_at",
            *DEADLINE_FIELDS,
        ],
    )
    event_write(complaint=c, kind=EventKind.REOPENED, actor=actor, note=reason.strip())
    return c


# --- supervisors ---------------------------------------------------------------------------
