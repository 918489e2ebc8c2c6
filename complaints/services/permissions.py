"""Who may do what to a complaint, and in which state: the one source both the
services (which refuse with a reason) and the screens (which offer only what is
allowed) ask.

Each verb is a ``Permission``: who may (their role and estate or department) and a
state check that says why not. ``complaint_can_<verb>(actor, complaint)`` answers yes
or no; ``<PERMISSION>.check`` raises the error a service shows.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.permissions import Actor, Permission
from staff.access import has_capability, is_desk, profile_of, works_at
from staff.roles import (
    APPROVE_IMPORTANT_EXTENSIONS,
    APPROVE_MINOR_EXTENSIONS,
    HANDLE_COMPLAINTS,
    REGRADE_COMPLAINTS,
    USE_INTAKE_DESK,
    Role,
)

from .. import policy
from ..models import Complaint, Status
from .base import ComplaintError, Conflict, IllegalTransition, transition_refusal


def _desk(actor: Actor, c: Complaint) -> bool:
    return is_desk(actor, c.estate_id)


def _head(actor: Actor, c: Complaint) -> bool:
    if actor.is_superuser:
        return True
    profile = profile_of(actor)
    return (
        has_capability(actor, HANDLE_COMPLAINTS)
        and profile is not None
        and c.department_id is not None
        and profile.department_id == c.department_id
    )


def _regrader(actor: Actor, c: Complaint) -> bool:
    return has_capability(actor, REGRADE_COMPLAINTS) and works_at(actor, c.estate_id)


def _desk_or_regrader(actor: Actor, c: Complaint) -> bool:
    return works_at(actor, c.estate_id) and (
        has_capability(actor, USE_INTAKE_DESK) or has_capability(actor, REGRADE_COMPLAINTS)
    )


def _colleague(actor: Actor, c: Complaint) -> bool:
    return works_at(actor, c.estate_id)


# Who may close a complaint while its repair orders are still open, giving the reason.
OVERRIDE_ROLES = {Role.SUPERVISOR, Role.OFFICE_DIRECTOR, Role.GENERAL_MANAGER}


def _overrider(actor: Actor, c: Complaint) -> bool:
    """The customer-service supervisor or the office director of the estate, or the
    general manager."""
    if actor.is_superuser:
        return True
    profile = profile_of(actor)
    return (
        profile is not None
        and profile.role in OVERRIDE_ROLES
        and (profile.role == Role.GENERAL_MANAGER or profile.estate_id == c.estate_id)
        and works_at(actor, c.estate_id)
    )


DESK_ONLY = gettext_lazy("Only the service desk of this estate may do this.")
HEAD_ONLY = gettext_lazy("Only the head of the responsible department may do this.")
REGRADERS_ONLY = gettext_lazy(
    "Only a supervisor, the office director or the general manager may do this."
)


def _becomes(status: str) -> Callable[[Complaint], ComplaintError | None]:
    return lambda c: transition_refusal(c, status)


def _route_refusal(c: Complaint) -> ComplaintError | None:
    if not c.in_scope:
        return IllegalTransition(_("An out-of-scope complaint is not routed."))
    return transition_refusal(c, Status.ROUTED)


def _at_intake_refusal(c: Complaint) -> ComplaintError | None:
    if c.status in (Status.RECEIVED, Status.REOPENED):
        return None
    return IllegalTransition(
        _("Complaint %(n)s is already %(s)s.") % {"n": c.number, "s": c.get_status_display()}
    )


def open_repair_numbers(c: Complaint) -> list[str]:
    """The numbers of the complaint's repair orders not yet closed. Read through the
    reverse relation: ``repairs`` builds on ``complaints``, never the other way."""
    return list(
        c.repair_orders.filter(closed_at__isnull=True)
        .order_by("reported_at", "pk")
        .values_list("number", flat=True)
    )


def open_repairs_refusal(numbers: list[str]) -> ComplaintError:
    return IllegalTransition(
        _(
            "Repair orders still open: %(numbers)s. The complaint closes when they are "
            "closed, or a supervisor closes it now giving the reason."
        )
        % {"numbers": "、".join(numbers)}
    )


def _state_close_refusal(c: Complaint) -> ComplaintError | None:
    if c.status == Status.INFORMED:
        return None
    # RECEIVED/REOPENED → CLOSED exists only for on-the-spot and out-of-scope closures.
    if c.status == Status.CLOSED:
        return Conflict(
            _("Complaint %(n)s is already %(s)s.") % {"n": c.number, "s": c.get_status_display()}
        )
    return IllegalTransition(
        _("Complaint %(n)s is %(s)s: tell the resident the result before closing it.")
        % {"n": c.number, "s": c.get_status_display()}
    )


def _close_refusal(c: Complaint) -> ComplaintError | None:
    """A closing the state allows still waits for the complaint's repair orders."""
    refusal = _state_close_refusal(c)
    if refusal is not None:
        return refusal
    numbers = open_repair_numbers(c)
    return open_repairs_refusal(numbers) if numbers else None


def _override_refusal(c: Complaint) -> ComplaintError | None:
    """Closing over open repair orders: the state must allow closing, and there must be
    open orders to close over (otherwise it is a plain close, the desk's)."""
    refusal = _state_close_refusal(c)
    if refusal is not None:
        return refusal
    if not open_repair_numbers(c):
        return IllegalTransition(_("No repair order of this complaint is open."))
    return None


def _extend_refusal(c: Complaint) -> ComplaintError | None:
    if c.status in (Status.ROUTED, Status.SIGNED):
        return None
    return IllegalTransition(_("Only a complaint still being handled can be extended."))


def _regrade_refusal(c: Complaint) -> ComplaintError | None:
    if c.is_open:
        return None
    return IllegalTransition(_("A closed complaint is not regraded; reopen it first."))


def _escalate_refusal(c: Complaint) -> ComplaintError | None:
    to = policy.ESCALATE_TO.get(c.grade)
    if to is None:
        return IllegalTransition(_("Minor complaints are not escalated."))
    if not c.is_open:
        return IllegalTransition(_("A closed complaint is not escalated."))
    if policy.ESCALATION_RANK[c.escalated_to] >= policy.ESCALATION_RANK[to]:
        return Conflict(_("Complaint %(n)s was already escalated.") % {"n": c.number})
    return None


def _always(c: Complaint) -> ComplaintError | None:
    return None


ROUTE = Permission(_desk, DESK_ONLY, _route_refusal)
CLOSE_AT_INTAKE = Permission(_desk, DESK_ONLY, _at_intake_refusal)
SIGN = Permission(_head, HEAD_ONLY, _becomes(Status.SIGNED))
HANDLE = Permission(_head, HEAD_ONLY, _becomes(Status.HANDLED))
EXTEND = Permission(_head, HEAD_ONLY, _extend_refusal)
INFORM = Permission(_desk, DESK_ONLY, _becomes(Status.INFORMED))
CLOSE = Permission(_desk, DESK_ONLY, _close_refusal)
CLOSE_OVER_REPAIRS = Permission(
    _overrider,
    gettext_lazy(
        "Only the customer-service supervisor, the office director or the general manager "
        "may close a complaint whose repair orders are still open."
    ),
    _override_refusal,
)
REOPEN = Permission(
    _desk_or_regrader,
    gettext_lazy("Only the service desk or a supervisor may reopen a complaint."),
    _becomes(Status.REOPENED),
)
REGRADE = Permission(_regrader, REGRADERS_ONLY, _regrade_refusal)
ESCALATE = Permission(_regrader, REGRADERS_ONLY, _escalate_refusal)
ADD_NOTE = Permission(_colleague, gettext_lazy("You do not work at this estate."), _always)


def complaint_can_route(actor: Actor, c: Complaint) -> bool:
    return ROUTE.allows(actor, c)


def complaint_can_close_at_intake(actor: Actor, c: Complaint) -> bool:
    """Resolved on the spot, or out of scope: the desk's closures before routing."""
    return CLOSE_AT_INTAKE.allows(actor, c)


def complaint_can_sign(actor: Actor, c: Complaint) -> bool:
    return SIGN.allows(actor, c)


def complaint_can_handle(actor: Actor, c: Complaint) -> bool:
    return HANDLE.allows(actor, c)


def complaint_can_extend(actor: Actor, c: Complaint) -> bool:
    return EXTEND.allows(actor, c)


def complaint_can_inform(actor: Actor, c: Complaint) -> bool:
    return INFORM.allows(actor, c)


def complaint_can_close(actor: Actor, c: Complaint) -> bool:
    return CLOSE.allows(actor, c)


def complaint_can_close_over_repairs(actor: Actor, c: Complaint) -> bool:
    """Close although repair orders of the complaint are open, giving the reason."""
    return CLOSE_OVER_REPAIRS.allows(actor, c)


def complaint_can_reopen(actor: Actor, c: Complaint) -> bool:
    return REOPEN.allows(actor, c)


def complaint_can_regrade(actor: Actor, c: Complaint) -> bool:
    return REGRADE.allows(actor, c)


def complaint_can_escalate(actor: Actor, c: Complaint) -> bool:
    return ESCALATE.allows(actor, c)


def complaint_can_add_note(actor: Actor, c: Complaint) -> bool:
    return ADD_NOTE.allows(actor, c)


APPROVER_CAPABILITY: dict[str, str] = {
    Role.OFFICE_DIRECTOR: APPROVE_MINOR_EXTENSIONS,
    Role.GENERAL_MANAGER: APPROVE_IMPORTANT_EXTENSIONS,
}


def complaint_can_decide_extension(actor: Actor, c: Complaint) -> bool:
    """The approver is the one the complaint's grade names now (SPEC §3)."""
    approver = policy.EXTENSION_APPROVER[c.grade]
    return has_capability(actor, APPROVER_CAPABILITY[approver]) and works_at(actor, c.estate_id)
