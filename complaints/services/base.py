"""What every complaint service shares: the errors, the permission checks, the row lock,
the state-machine check, the handling-log helper and the clocks."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.access import has_capability, profile_of
from staff.calendar import Calendar
from staff.models import Estate, Unit
from staff.roles import (
    HANDLE_COMPLAINTS,
    REGRADE_COMPLAINTS,
    USE_INTAKE_DESK,
    VIEW_ALL_ESTATES,
)

from .. import policy
from ..models import (
    TRANSITIONS,
    ClockRule,
    Complaint,
    ComplaintEvent,
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
    from ..deadlines import next_sweep_at

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


def _deadlines_from(
    c: Complaint, start: dt.datetime, *, rules: dict | None, calendar: Calendar
) -> policy.Deadlines:
    """The complaint's clocks as if they started at ``start``."""
    requested = c.requested_deadline
    if requested is not None and requested < timezone.localdate(start):
        requested = None  # a date already past cannot shorten a clock that starts now
    return policy.deadlines_for(
        received_at=start,
        grade=c.grade,
        channel=c.channel,
        requested_deadline=requested,
        rules=rules,
        calendar=calendar,
    )


def _apply_deadlines(c: Complaint, start: dt.datetime) -> None:
    d = _deadlines_from(c, start, rules=None, calendar=calendar_of(c))
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
    d = _deadlines_from(c, c.reopened_at or c.received_at, rules=rules, calendar=calendar)
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
        c.upgrade_due = policy.due_after(
            ClockRule.Clock.UPGRADE, c.received_at, rules=rules, calendar=calendar
        )
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
