"""The desk's first steps: log the 《住户投诉意见表》, route it, or close it at once."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.models import Department, Estate, Unit
from staff.notify import notify
from staff.validators import normalize_phone, validate_phone

from .. import policy
from ..models import (
    ClockRule,
    Closure,
    Complaint,
    EventKind,
    Status,
)
from .base import (
    ComplaintError,
    Conflict,
    IllegalTransition,
    _apply_deadlines,
    _lock,
    _move,
    _next_number,
    _require_desk,
    _save,
    calendar_of,
    event_write,
    find_repeat,
    logger,
    next_due,
)


@transaction.atomic
def complaint_receive(
    *,
    actor,
    estate: Estate,
    channel: str,
    category: str,
    grade: str,
    description: str,
    demand: str = "",
    unit: Unit | None = None,
    location: str = "",
    incident_at: dt.datetime | None = None,
    target_department: Department | None = None,
    target_staff: str = "",
    requested_deadline: dt.date | None = None,
    anonymous: bool = False,
    resident_name: str = "",
    resident_phone: str = "",
    in_scope: bool = True,
    repeat_of: Complaint | None = None,
) -> Complaint:
    """Log a complaint from the 《住户投诉意见表》 (SPEC §1)."""
    from ..deadlines import next_sweep_at

    _require_desk(actor, estate.pk)
    now = timezone.now()
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = _("Say briefly what happened.")
    if anonymous:
        resident_name, resident_phone = "", ""
    elif not resident_name.strip() and not resident_phone.strip():
        errors["resident_name"] = _("Give the resident's name or phone, or mark it anonymous.")
    resident_phone = normalize_phone(resident_phone)
    if resident_phone:
        try:
            validate_phone(resident_phone)
        except ValidationError as exc:
            errors["resident_phone"] = exc.messages[0]
    if requested_deadline and requested_deadline < timezone.localdate(now):
        errors["requested_deadline"] = _("The requested deadline is in the past.")
    if unit is not None and unit.estate_id != estate.pk:
        errors["unit"] = _("This unit belongs to another estate.")
    if target_department is not None and target_department.estate_id != estate.pk:
        errors["target_department"] = _("This department belongs to another estate.")
    if incident_at and incident_at > now + dt.timedelta(minutes=5):
        errors["incident_at"] = _("The incident cannot be in the future.")
    if repeat_of is not None and repeat_of.estate_id != estate.pk:
        errors["repeat_of"] = _("That complaint belongs to another estate.")
    if errors:
        raise ValidationError(errors)

    if repeat_of is None:
        repeat_of = find_repeat(estate=estate, unit=unit, phone=resident_phone, category=category)
    c = Complaint(
        estate=estate,
        number=_next_number(estate, now),
        received_at=now,
        received_by=actor,
        channel=channel,
        incident_at=incident_at,
        unit=unit,
        location=location.strip(),
        target_department=target_department,
        target_staff=target_staff.strip(),
        description=description.strip(),
        demand=demand.strip(),
        requested_deadline=requested_deadline,
        anonymous=anonymous,
        resident_name=resident_name.strip(),
        resident_phone=resident_phone,
        category=category,
        grade=grade,
        in_scope=in_scope,
        repeat_of=repeat_of,
    )
    _apply_deadlines(c, now)
    c.next_due = next_due(c)
    c.sweep_at = next_sweep_at(c)
    c.save()
    event_write(
        complaint=c,
        kind=EventKind.RECEIVED,
        actor=actor,
        channel=channel,
        repeat_of=repeat_of.number if repeat_of else None,
    )
    event_write(complaint=c, kind=EventKind.GRADED, actor=actor, grade=grade)
    logger.info("complaint %s received (estate %s)", c.number, estate.code)
    return c


@transaction.atomic
def complaint_route(*, actor, complaint_id: int, department: Department) -> Complaint:
    c = _lock(complaint_id)
    _require_desk(actor, c.estate_id)
    if department.estate_id != c.estate_id:
        raise ComplaintError(_("The department belongs to another estate."))
    if c.status in (Status.ROUTED, Status.SIGNED) and c.department_id == department.pk:
        raise Conflict(
            _("Complaint %(n)s is already with %(d)s.") % {"n": c.number, "d": department.name}
        )
    if not c.in_scope:
        raise IllegalTransition(_("An out-of-scope complaint is not routed."))
    previous = c.department
    _move(c, Status.ROUTED)
    c.department = department
    c.routed_at = timezone.now()
    c.signed_at = None
    fields = ["status", "department", "routed_at", "signed_at"]
    if previous is not None:
        # Passed on to another department: it has its own ten minutes to sign for it.
        c.route_due = policy.due_after(ClockRule.Clock.ROUTE, c.routed_at, calendar=calendar_of(c))
        fields.append("route_due")
    _save(c, fields)
    event_write(
        complaint=c,
        kind=EventKind.ROUTED,
        actor=actor,
        department=department.name,
        department_id=department.pk,
        previous=previous.name if previous else None,
    )
    _routed_notice(c, department)
    return c


def _routed_notice(c: Complaint, department: Department) -> None:
    """Tell the head (inbox and email, queued after commit, kept in the database so a
    broker outage only delays it)."""
    from ..deadlines import department_heads

    heads = department_heads(c)
    if not heads:
        return
    notify(
        key=f"complaint:{c.pk}:routed:{c.routed_at.isoformat()}",
        subject=_("[%(estate)s] Complaint %(n)s routed to %(d)s")
        % {"estate": c.estate.name, "n": c.number, "d": department.name},
        body=c.description[:500],
        link=reverse("complaints:detail", args=[c.pk]),
        recipients=heads,
    )


@transaction.atomic
def complaint_close_on_the_spot(*, actor, complaint_id: int, note: str) -> Complaint:
    """Solved at the desk at once (000 §5.1)."""
    return _close_at_intake(actor, complaint_id, note, Closure.ON_THE_SPOT)


@transaction.atomic
def complaint_mark_out_of_scope(*, actor, complaint_id: int, note: str) -> Complaint:
    """Not the company's responsibility: explained to the resident, kept and counted."""
    return _close_at_intake(actor, complaint_id, note, Closure.OUT_OF_SCOPE)


def _close_at_intake(actor, complaint_id: int, note: str, closure: str) -> Complaint:
    if not note.strip():
        raise ComplaintError(_("Write what was done or explained to the resident."))
    c = _lock(complaint_id)
    _require_desk(actor, c.estate_id)
    if c.status not in (Status.RECEIVED, Status.REOPENED):
        raise IllegalTransition(
            _("Complaint %(n)s is already %(s)s.") % {"n": c.number, "s": c.get_status_display()}
        )
    _move(c, Status.CLOSED)
    now = timezone.now()
    c.closure = closure
    c.closed_at = now
    c.handling_note = note.strip()
    fields = ["status", "closure", "closed_at", "handling_note"]
    if closure == Closure.ON_THE_SPOT:
        c.handled_at = c.informed_at = now
        fields += ["handled_at", "informed_at"]
    else:
        c.in_scope = False
        fields.append("in_scope")
    _save(c, fields)
    event_write(complaint=c, kind=EventKind.CLOSED, actor=actor, note=note.strip(), closure=closure)
    return c


# --- the department ------------------------------------------------------------------------


@transaction.atomic
def complaint_intake(
    *,
    actor,
    estate: Estate,
    outcome: str,
    department: Department | None = None,
    outcome_note: str = "",
    **fields,
) -> Complaint:
    """The intake desk's one step: log the form, then route it, close it as solved on
    the spot, or record it as out of scope. All or nothing."""
    if outcome == "route" and department is None:
        raise ValidationError({"department": _("Choose the department to route it to.")})
    if outcome in ("on_the_spot", "out_of_scope") and not outcome_note.strip():
        raise ValidationError(
            {"outcome_note": _("Write what was done or explained to the resident.")}
        )
    c = complaint_receive(actor=actor, estate=estate, in_scope=outcome != "out_of_scope", **fields)
    if outcome == "route":
        return complaint_route(actor=actor, complaint_id=c.pk, department=department)
    if outcome == "on_the_spot":
        return complaint_close_on_the_spot(actor=actor, complaint_id=c.pk, note=outcome_note)
    if outcome == "out_of_scope":
        return complaint_mark_out_of_scope(actor=actor, complaint_id=c.pk, note=outcome_note)
    return c
