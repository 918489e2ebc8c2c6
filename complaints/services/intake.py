"""The desk's first steps: log the 《住户投诉意见表》, route it, or close it at once."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.rules import RuleBook
from staff.models import Department, Estate, Notification, Unit
from staff.notify import notify
from staff.roles import Role
from staff.selectors import Directory, department_heads
from staff.validators import normalize_phone, validate_phone

from .. import events, limits, policy
from ..clocks import TABLE, start_clocks
from ..models import Closure, Complaint, Status
from ..signals import complaint_closed
from .base import (
    ComplaintError,
    Conflict,
    NotAllowed,
    _lock,
    _move,
    _next_number,
    _save,
    book_of,
    checked_note,
    find_repeat,
    logger,
    too_long,
)
from .permissions import CLOSE_AT_INTAKE, DESK_ONLY, ROUTE, is_desk

# What the desk does right after logging the form.
ROUTE_OUTCOME = "route"
ON_THE_SPOT, OUT_OF_SCOPE = Closure.ON_THE_SPOT, Closure.OUT_OF_SCOPE
OUTCOMES = (ROUTE_OUTCOME, ON_THE_SPOT, OUT_OF_SCOPE)

# The desk's answer when the form links a matter raised again (二次投诉, 003: 同一问题
# 屡次提出投诉，应提高重视，并上报负责人): not escalated, or to whom.
NOT_ESCALATED = "no"
ESCALATE_TO_SUPERVISOR = Role.SUPERVISOR.value
ESCALATE_TO_DIRECTOR = Role.OFFICE_DIRECTOR.value
REPEAT_ANSWERS = (NOT_ESCALATED, ESCALATE_TO_SUPERVISOR, ESCALATE_TO_DIRECTOR)
# Who hears of an escalated repeat: the estate's supervisors always.
REPEAT_RECIPIENTS = {
    ESCALATE_TO_SUPERVISOR: (Role.SUPERVISOR,),
    ESCALATE_TO_DIRECTOR: (Role.SUPERVISOR, Role.OFFICE_DIRECTOR),
}


def _intake_errors(
    *,
    estate: Estate,
    now: dt.datetime,
    description: str,
    demand: str,
    anonymous: bool,
    resident_name: str,
    resident_phone: str,
    requested_deadline: dt.date | None,
    unit: Unit | None,
    target_department: Department | None,
    incident_at: dt.datetime | None,
    repeat_of: Complaint | None,
) -> dict[str, str]:
    """Every rule of the form, by field; the intake form shows them beside the fields."""
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = _("Say briefly what happened.")
    for field, text, limit in (
        ("description", description, limits.DESCRIPTION),
        ("demand", demand, limits.DEMAND),
    ):
        message = too_long(text, limit)
        if message:
            errors[field] = message
    if not anonymous and not resident_name.strip() and not resident_phone:
        errors["resident_name"] = _("Give the resident's name or phone, or mark it anonymous.")
    if resident_phone and not anonymous:
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
    return errors


def _outcome_errors(outcome: str, department: Department | None, note: str) -> dict[str, str]:
    if outcome == ROUTE_OUTCOME and department is None:
        return {"department": _("Choose the department to route it to.")}
    if outcome in (ON_THE_SPOT, OUT_OF_SCOPE) and not note.strip():
        return {"outcome_note": _("Write what was done or explained to the resident.")}
    message = too_long(note, limits.NOTE)
    return {"outcome_note": message} if message else {}


def _receive(
    *,
    actor: User,
    estate: Estate,
    book: RuleBook,
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
    stop_harm_first: bool = False,
    alert_department: Department | None = None,
    more_errors: dict[str, str] | None = None,
) -> Complaint:
    if not is_desk(actor, estate.pk):
        raise NotAllowed(str(DESK_ONLY))
    now = timezone.now()
    resident_phone = normalize_phone(resident_phone)
    errors = _intake_errors(
        estate=estate,
        now=now,
        description=description,
        demand=demand,
        anonymous=anonymous,
        resident_name=resident_name,
        resident_phone=resident_phone,
        requested_deadline=requested_deadline,
        unit=unit,
        target_department=target_department,
        incident_at=incident_at,
        repeat_of=repeat_of,
    )
    errors.update(more_errors or {})
    if errors:
        raise ValidationError(errors)
    if anonymous:
        resident_name, resident_phone = "", ""
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
        stop_harm_first=stop_harm_first,
    )
    start_clocks(c, now, book)
    TABLE.refresh(c, book)
    c.save()
    events.record(events.received(c, actor=actor, repeat_of=repeat_of))
    events.record(events.graded(c, actor=actor))
    if stop_harm_first:
        _stop_harm_alert(c, actor, alert_department)
    logger.info("complaint %s received (estate %s)", c.number, estate.code)
    return c


def _stop_harm_alert(c: Complaint, actor: User, department: Department | None) -> None:
    """Stop the harm first (004 §4.3.8): the head of the chosen department (engineering
    when none is chosen yet) and the estate's duty officers hear of it at once, by inbox,
    email and the estate's WeCom group, before grading and routing are finished."""
    if department is None:
        department = Department.objects.filter(
            estate_id=c.estate_id, kind=Department.Kind.ENGINEERING
        ).first()
    people = Directory.load(
        estate_ids=[c.estate_id],
        department_ids=[department.pk] if department else [],
        roles=[Role.DUTY_OFFICER],
    )
    recipients = [
        *people.heads(department.pk if department else None),
        *people.with_roles(c.estate_id, Role.DUTY_OFFICER),
    ]
    place = c.unit.label if c.unit else c.location
    notify(
        key=f"complaint:{c.pk}:stop-harm",
        subject=_("[%(estate)s] Stop the harm first: complaint %(n)s")
        % {"estate": c.estate.name, "n": c.number},
        body=" ".join(str(part) for part in (place, c.description[:500]) if part),
        link=reverse("complaints:detail", args=[c.pk]),
        recipients=recipients,
        wecom_webhook=c.estate.wecom_webhook,
    )
    names = sorted({u.get_full_name() or u.get_username() for u in recipients})
    events.record(events.harm_alerted(c, actor=actor, department=department, recipients=names))


def _repeat_errors(repeat_of: object, answer: str | None) -> dict[str, str]:
    if repeat_of is None or answer in REPEAT_ANSWERS:
        return {}
    number = getattr(repeat_of, "number", "")
    return {
        "repeat_escalation": _("This matter was raised before (%(n)s): say whether to escalate it.")
        % {"n": number}
    }


def _repeat_prompted(c: Complaint, actor: User, repeat_of: Complaint, answer: str) -> None:
    """The desk's answer to the repeat prompt goes into the handling log; an escalation
    tells the estate's supervisors (and the office director when chosen)."""
    escalate_to = "" if answer == NOT_ESCALATED else answer
    events.record(
        events.repeat_prompted(c, actor=actor, repeat_of=repeat_of, escalate_to=escalate_to)
    )
    if not escalate_to:
        return
    roles = REPEAT_RECIPIENTS[escalate_to]
    people = Directory.load(estate_ids=[c.estate_id], roles=roles)
    notify(
        key=f"complaint:{c.pk}:repeat-escalated",
        subject=_("[%(estate)s] Matter raised again: complaint %(n)s repeats %(r)s")
        % {"estate": c.estate.name, "n": c.number, "r": repeat_of.number},
        body=c.description[:500],
        link=reverse("complaints:detail", args=[c.pk]),
        recipients=people.with_roles(c.estate_id, *roles),
    )


@transaction.atomic
def complaint_receive(*, actor: User, estate: Estate, **fields: object) -> Complaint:
    """Log a complaint from the 《住户投诉意见表》 (SPEC §1). Every rule of the form is
    checked here; a refusal raises ``ValidationError`` keyed by field."""
    return _receive(actor=actor, estate=estate, book=RuleBook.load(estate.company_id), **fields)  # type: ignore[arg-type]


def _locked(complaint_id: int, fresh: Complaint | None) -> Complaint:
    """The complaint, locked; or ``fresh``, the one this transaction has just inserted:
    no other transaction can see it yet, so there is nothing to lock or to read again."""
    if fresh is not None:
        assert fresh.pk == complaint_id
        return fresh
    return _lock(complaint_id)


def _route(
    actor: User,
    complaint_id: int,
    department: Department,
    book: RuleBook | None,
    fresh: Complaint | None = None,
) -> Complaint:
    c = _locked(complaint_id, fresh)
    ROUTE.check(actor, c)
    if department.estate_id != c.estate_id:
        raise ComplaintError(_("The department belongs to another estate."))
    if c.status in (Status.ROUTED, Status.SIGNED) and c.department_id == department.pk:
        raise Conflict(
            _("Complaint %(n)s is already with %(d)s.") % {"n": c.number, "d": department.name}
        )
    book = book or book_of(c)
    previous = c.department
    _move(c, Status.ROUTED)
    c.department = department
    c.routed_at = timezone.now()
    c.signed_at = None
    fields = ["status", "department", "routed_at", "signed_at"]
    if previous is not None:
        # Passed on to another department: it has its own ten minutes to sign for it.
        c.route_due = book.due_after(policy.ROUTE, c.routed_at)
        fields.append("route_due")
    _save(c, fields, book)
    events.record(events.routed(c, actor=actor, department=department, previous=previous))
    _routed_notice(c, department)
    return c


@transaction.atomic
def complaint_route(*, actor: User, complaint_id: int, department: Department) -> Complaint:
    return _route(actor, complaint_id, department, None)


def _routed_notice(c: Complaint, department: Department) -> None:
    """Tell the head (inbox and email, queued after commit, kept in the database so a
    broker outage only delays it)."""
    heads = department_heads(c.department_id)
    if not heads or c.routed_at is None:
        return
    notify(
        key=f"complaint:{c.pk}:routed:{c.routed_at.isoformat()}",
        subject=_("[%(estate)s] Complaint %(n)s routed to %(d)s")
        % {"estate": c.estate.name, "n": c.number, "d": department.name},
        body=c.description[:500],
        link=reverse("complaints:detail", args=[c.pk]),
        recipients=heads,
        kind=Notification.Kind.ROUTED,
    )


@transaction.atomic
def complaint_close_on_the_spot(*, actor: User, complaint_id: int, note: str) -> Complaint:
    """Solved at the desk at once (000 §5.1)."""
    return _close_at_intake(actor, complaint_id, note, Closure.ON_THE_SPOT, None)


@transaction.atomic
def complaint_mark_out_of_scope(*, actor: User, complaint_id: int, note: str) -> Complaint:
    """Not the company's responsibility: explained to the resident, kept and counted."""
    return _close_at_intake(actor, complaint_id, note, Closure.OUT_OF_SCOPE, None)


def _close_at_intake(
    actor: User,
    complaint_id: int,
    note: str,
    closure: str,
    book: RuleBook | None,
    fresh: Complaint | None = None,
) -> Complaint:
    if not note.strip():
        raise ComplaintError(_("Write what was done or explained to the resident."))
    note = checked_note(note)
    c = _locked(complaint_id, fresh)
    CLOSE_AT_INTAKE.check(actor, c)
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
    _save(c, fields, book or book_of(c))
    events.record(events.closed(c, actor=actor, note=note.strip()))
    complaint_closed.send(sender=Complaint, complaint=c, actor=actor)
    return c


@transaction.atomic
def complaint_intake(
    *,
    actor: User,
    estate: Estate,
    outcome: str,
    department: Department | None = None,
    outcome_note: str = "",
    repeat_escalation: str | None = None,
    **fields: object,
) -> Complaint:
    """The intake desk's one step: log the form, then route it, close it as solved on
    the spot, or record it as out of scope. All or nothing; every error of the form and
    of the next step is raised at once, keyed by field.

    When the form links a repeat (``repeat_of``), the desk must answer whether to
    escalate it (``repeat_escalation``, one of ``REPEAT_ANSWERS``); the answer is logged."""
    book = RuleBook.load(estate.company_id)
    linked = fields.get("repeat_of")
    c = _receive(
        actor=actor,
        estate=estate,
        book=book,
        in_scope=outcome != OUT_OF_SCOPE,
        alert_department=department,
        more_errors={
            **_outcome_errors(outcome, department, outcome_note),
            **_repeat_errors(linked, repeat_escalation),
        },
        **fields,  # type: ignore[arg-type]
    )
    if isinstance(linked, Complaint) and repeat_escalation is not None:
        _repeat_prompted(c, actor, linked, repeat_escalation)
    if outcome == ROUTE_OUTCOME:
        assert department is not None  # checked by _outcome_errors
        return _route(actor, c.pk, department, book, fresh=c)
    if outcome == ON_THE_SPOT:
        return _close_at_intake(actor, c.pk, outcome_note, Closure.ON_THE_SPOT, book, fresh=c)
    if outcome == OUT_OF_SCOPE:
        return _close_at_intake(actor, c.pk, outcome_note, Closure.OUT_OF_SCOPE, book, fresh=c)
    return c
