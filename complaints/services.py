"""Every write to a complaint. Each transition has one shape: a transaction, the row
locked with ``select_for_update``, the actor's right and the current state checked,
the complaint saved with ``update_fields`` and the event written to the handling log
in the same transaction. A refused action raises ``ComplaintError`` and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.access import has_capability, profile_of
from staff.calendar import Calendar
from staff.models import Department, Estate, Unit
from staff.notify import notify
from staff.roles import (
    APPROVE_IMPORTANT_EXTENSIONS,
    APPROVE_MINOR_EXTENSIONS,
    HANDLE_COMPLAINTS,
    REGRADE_COMPLAINTS,
    USE_INTAKE_DESK,
    VIEW_ALL_ESTATES,
)
from staff.validators import normalize_phone, validate_phone

from . import policy
from .models import (
    TRANSITIONS,
    ClockRule,
    Closure,
    Complaint,
    ComplaintEvent,
    EventKind,
    Extension,
    Grade,
    Status,
)

logger = logging.getLogger(__name__)

REPEAT_WINDOW = dt.timedelta(days=90)


class ComplaintError(Exception):
    """An action refused; the message is shown to the user as it is."""


class NotAllowed(ComplaintError):
    pass


class IllegalTransition(ComplaintError):
    pass


class Conflict(ComplaintError):
    """Somebody else changed the complaint first."""


# --- helpers -----------------------------------------------------------------------------


def event_write(
    *, complaint: Complaint, kind: str, actor, note: str = "", **data
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint, kind=kind, actor=actor, at=timezone.now(), note=note, data=data
    )


def _works_at(actor, estate_id: int) -> bool:
    if actor.is_superuser or has_capability(actor, VIEW_ALL_ESTATES):
        return True
    profile = profile_of(actor)
    return profile is not None and profile.estate_id == estate_id


def _require_desk(actor, estate_id: int) -> None:
    if not (has_capability(actor, USE_INTAKE_DESK) and _works_at(actor, estate_id)):
        raise NotAllowed(_("Only the service desk of this estate may do this."))


def _require_department(actor, complaint: Complaint) -> None:
    if actor.is_superuser:
        return
    profile = profile_of(actor)
    if not (
        has_capability(actor, HANDLE_COMPLAINTS)
        and profile is not None
        and complaint.department_id is not None
        and profile.department_id == complaint.department_id
    ):
        raise NotAllowed(_("Only the head of the responsible department may do this."))


def _require_regrader(actor, complaint: Complaint) -> None:
    if not (has_capability(actor, REGRADE_COMPLAINTS) and _works_at(actor, complaint.estate_id)):
        raise NotAllowed(
            _("Only a supervisor, the office director or the general manager may do this.")
        )


def _lock(complaint_id: int) -> Complaint:
    try:
        return Complaint.objects.select_for_update().get(pk=complaint_id)
    except Complaint.DoesNotExist:
        raise ComplaintError(_("This complaint does not exist.")) from None


def _move(complaint: Complaint, to: str) -> None:
    if to not in TRANSITIONS.get(complaint.status, set()):
        if complaint.status == to:
            raise Conflict(
                _("Complaint %(n)s is already %(s)s.")
                % {"n": complaint.number, "s": complaint.get_status_display()}
            )
        raise IllegalTransition(
            _("Complaint %(n)s is %(s)s: it cannot become %(t)s.")
            % {
                "n": complaint.number,
                "s": complaint.get_status_display(),
                "t": Status(to).label,
            }
        )
    complaint.status = to


def next_due(c: Complaint) -> dt.datetime | None:
    """The nearest deadline the complaint still has to meet."""
    if c.status == Status.CLOSED:
        return None
    pending = [
        c.route_due if c.signed_at is None else None,
        c.escalate_due if not c.escalated_at else None,
        c.answer_due if c.informed_at is None else None,
        c.resolve_due if c.handled_at is None else None,
        c.upgrade_due if c.handled_at is None else None,
        c.inform_due if c.handled_at and c.informed_at is None else None,
    ]
    pending = [d for d in pending if d is not None]
    return min(pending) if pending else None


def _save(c: Complaint, fields: list[str]) -> None:
    from .deadlines import next_sweep_at

    c.next_due = next_due(c)
    c.sweep_at = next_sweep_at(c)
    c.save(update_fields=[*fields, "next_due", "sweep_at"])


def _next_number(estate: Estate, at: dt.datetime) -> str:
    month = timezone.localtime(at).strftime("%Y%m")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO complaints_complaintcounter (estate_id, month, last) VALUES (%s, %s, 1) "
            "ON CONFLICT (estate_id, month) DO UPDATE "
            "SET last = complaints_complaintcounter.last + 1 RETURNING last",
            [estate.pk, month],
        )
        (seq,) = cursor.fetchone()
    return f"TS-{month}-{seq:04d}"


def find_repeat(
    *, estate: Estate, unit: Unit | None, phone: str, category: str
) -> Complaint | None:
    """The latest complaint of the same category from the same unit or phone (二次投诉)."""
    since = timezone.now() - REPEAT_WINDOW
    base = Complaint.objects.filter(estate=estate, category=category, received_at__gte=since)
    candidates = []
    if unit is not None:
        candidates.append(base.filter(unit=unit).order_by("-received_at").first())
    if phone:
        candidates.append(base.filter(resident_phone=phone).order_by("-received_at").first())
    found = [c for c in candidates if c is not None]
    return max(found, key=lambda c: c.received_at) if found else None


def calendar_of(c: Complaint) -> Calendar:
    return Calendar(
        Estate.objects.filter(pk=c.estate_id).values_list("company_id", flat=True).first()
    )


def _apply_deadlines(
    c: Complaint,
    start: dt.datetime,
    *,
    rules: dict | None = None,
    calendar: Calendar | None = None,
) -> None:
    requested = c.requested_deadline
    if requested is not None and requested < timezone.localdate(start):
        requested = None  # a date already past cannot shorten a clock that starts now
    d = policy.deadlines_for(
        received_at=start,
        grade=c.grade,
        channel=c.channel,
        requested_deadline=requested,
        rules=rules,
        calendar=calendar or calendar_of(c),
    )
    c.route_due, c.escalate_due, c.answer_due = d.route_due, d.escalate_due, d.answer_due
    c.resolve_due = d.resolve_due
    c.upgrade_due = d.upgrade_due


ESCALATION_RANK = {"": 0, "office_director": 1, "general_manager": 2}


def regrade_clocks(
    c: Complaint, *, rules: dict | None = None, calendar: Calendar | None = None
) -> list[str]:
    """After a grade change: new escalation, answer, resolution and upgrade clocks, from
    when the clocks started (receipt, or the reopening). Routing and informing are not
    about the grade and stay; an approved extension still holds. Returns the fields set."""
    rules = rules or policy.load_rules()
    calendar = calendar or calendar_of(c)
    start = c.reopened_at or c.received_at
    requested = c.requested_deadline
    if requested is not None and requested < timezone.localdate(start):
        requested = None
    d = policy.deadlines_for(
        received_at=start,
        grade=c.grade,
        channel=c.channel,
        requested_deadline=requested,
        rules=rules,
        calendar=calendar,
    )
    c.escalate_due, c.answer_due = d.escalate_due, d.answer_due
    approved = (
        c.extensions.filter(decision=Extension.Decision.APPROVED)
        .order_by("-new_deadline")
        .values_list("new_deadline", flat=True)
        .first()
    )
    c.resolve_due = max(d.resolve_due, approved) if approved else d.resolve_due
    if c.grade == Grade.MAJOR:
        c.upgrade_due = None
    elif c.upgrade_due is None:  # downgraded from major: one month from receipt again
        amount, unit, _remind = rules[ClockRule.Clock.UPGRADE]
        c.upgrade_due = policy.add(c.received_at, amount, unit, calendar)
    fields = ["grade", "escalate_due", "answer_due", "resolve_due", "upgrade_due"]
    needed = policy.ESCALATE_TO.get(c.grade, "")
    if ESCALATION_RANK[needed] > ESCALATION_RANK[c.escalated_to]:
        # Escalated to the director, now major: it must still reach the general manager.
        c.escalated_to, c.escalated_at = "", None
        fields += ["escalated_to", "escalated_at"]
    # A waiting extension now needs the approver of the new grade.
    c.extensions.filter(decision=Extension.Decision.PENDING).update(
        approver_role=policy.EXTENSION_APPROVER[c.grade]
    )
    return fields


DEADLINE_FIELDS = ["route_due", "escalate_due", "answer_due", "resolve_due", "upgrade_due"]


# --- intake ------------------------------------------------------------------------------


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
    from .deadlines import next_sweep_at

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
        amount, unit, _remind = policy.load_rules()[ClockRule.Clock.ROUTE]
        c.route_due = policy.add(c.routed_at, amount, unit, calendar_of(c))
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
    from .deadlines import department_heads

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
