"""Who may do what to a repair order, and in which state: the one source both the
services (which refuse with a reason) and the screens (which offer only what is
allowed) ask.

Each verb is a ``Permission``: who may (role, estate, the technician on the order) and a
state check that says why not. ``repair_can_<verb>(actor, order)`` answers yes or no;
``<PERMISSION>.check`` raises the error a service shows.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.permissions import Actor, Permission
from staff.access import is_desk, profile_of
from staff.models import Department
from staff.roles import Role

from ..models import RepairKind, RepairOrder, Status
from .base import Conflict, IllegalTransition, RepairError, transition_refusal


def _in_engineering(actor: Actor, estate_id: int, role: str) -> bool:
    """The actor holds ``role`` in the estate's engineering department."""
    profile = profile_of(actor)
    return (
        actor.is_active
        and profile is not None
        and profile.role == role
        and profile.estate_id == estate_id
        and profile.department is not None
        and profile.department.kind == Department.Kind.ENGINEERING
    )


def is_engineering_head(actor: Actor, estate_id: int) -> bool:
    return actor.is_superuser or _in_engineering(actor, estate_id, Role.DEPARTMENT_HEAD)


def is_technician_of(actor: Actor, estate_id: int) -> bool:
    """A technician of the estate's engineering department."""
    return _in_engineering(actor, estate_id, Role.TECHNICIAN)


def _desk(actor: Actor, o: RepairOrder) -> bool:
    return is_desk(actor, o.estate_id)


def _desk_or_head(actor: Actor, o: RepairOrder) -> bool:
    return is_desk(actor, o.estate_id) or is_engineering_head(actor, o.estate_id)


def _assigned(actor: Actor, o: RepairOrder) -> bool:
    """The technician the order is assigned to (or who took it)."""
    return (
        actor.is_authenticated
        and o.technician_id == actor.pk
        and is_technician_of(actor, o.estate_id)
    )


def _taker(actor: Actor, o: RepairOrder) -> bool:
    """The technician it is assigned to, or any technician of the estate's engineering
    department while it is open to take."""
    if not is_technician_of(actor, o.estate_id):
        return False
    return o.technician_id == actor.pk or (o.technician_id is None and o.published)


def _on_site(actor: Actor, o: RepairOrder) -> bool:
    """The technician on it, the desk or the engineering head."""
    return _assigned(actor, o) or _desk_or_head(actor, o)


DESK_ONLY = gettext_lazy("Only the service desk of this estate may do this.")
DESK_OR_HEAD = gettext_lazy("Only the service desk or the engineering head may do this.")
ASSIGNED_ONLY = gettext_lazy("Only the technician on this order may do this.")
NOT_YOURS = gettext_lazy("This order is not assigned to you nor open to take.")
ON_SITE = gettext_lazy(
    "Only the technician on this order, the service desk or the engineering head may do this."
)


def _becomes(status: str) -> Callable[[RepairOrder], RepairError | None]:
    return lambda o: transition_refusal(o, status)


def _dispatch_refusal(o: RepairOrder) -> RepairError | None:
    """Dispatching is from the report only: back to dispatched is "cannot be done now"."""
    if o.status == Status.REPORTED:
        return None
    if o.status == Status.DISPATCHED:
        return Conflict(_("Repair order %(n)s was already dispatched.") % {"n": o.number})
    return IllegalTransition(
        _("Repair order %(n)s is %(s)s: it cannot be dispatched.")
        % {"n": o.number, "s": o.get_status_display()}
    )


def _take_refusal(o: RepairOrder) -> RepairError | None:
    if o.status == Status.DISPATCHED:
        return None
    if o.taken_at is not None:
        return Conflict(_("Repair order %(n)s was already taken.") % {"n": o.number})
    return transition_refusal(o, Status.TAKEN)


def _cannot_now_refusal(o: RepairOrder) -> RepairError | None:
    if o.status in (Status.TAKEN, Status.ARRIVED):
        return None
    return IllegalTransition(
        _("Only an order taken or on site can be reported as not possible now.")
    )


def _feedback_refusal(o: RepairOrder) -> RepairError | None:
    if o.status not in (Status.FINISHED, Status.SIGNED):
        return IllegalTransition(_("Feedback is recorded once the work is done."))
    if o.feedback_at is not None:
        return Conflict(_("The feedback of %(n)s was already recorded.") % {"n": o.number})
    return None


def _phone_refusal(o: RepairOrder) -> RepairError | None:
    if o.promise_due is None or not o.is_open:
        return IllegalTransition(_("No promised time waits to be phoned to the resident."))
    if o.resident_phoned_at is not None:
        return Conflict(_("The resident was already phoned."))
    return None


def _close_refusal(o: RepairOrder) -> RepairError | None:
    """Only a signed order closes here; "not a repair" closes an order before the work."""
    if o.status == Status.SIGNED:
        return None
    if o.status == Status.CLOSED:
        return transition_refusal(o, Status.CLOSED)
    return IllegalTransition(
        _("Repair order %(n)s has no signature yet: the resident signs, or give the reason.")
        % {"n": o.number}
    )


# Before the work is done: an order can still be handed on, quoted or found no repair.
BEFORE_WORK = (Status.REPORTED, Status.DISPATCHED, Status.TAKEN, Status.ARRIVED)


def _with_technician(o: RepairOrder) -> RepairError | None:
    """Transfer and hand back: an order a technician holds, before he is on site."""
    if o.status in (Status.DISPATCHED, Status.TAKEN) and o.technician_id is not None:
        return None
    if o.status == Status.DISPATCHED:
        return IllegalTransition(_("Nobody holds this order yet: it is open to take."))
    return IllegalTransition(
        _("Repair order %(n)s is %(s)s: only an order not yet on site is passed on.")
        % {"n": o.number, "s": o.get_status_display()}
    )


def _chase_refusal(o: RepairOrder) -> RepairError | None:
    if o.status in (Status.SIGNED, Status.CLOSED, Status.FINISHED):
        return IllegalTransition(_("The work on %(n)s is done.") % {"n": o.number})
    return None


def _fees_refusal(o: RepairOrder) -> RepairError | None:
    if o.status in BEFORE_WORK:
        return None
    return IllegalTransition(_("The fee is agreed before the work, not after it."))


def _confirm_fee_refusal(o: RepairOrder) -> RepairError | None:
    refusal = _fees_refusal(o)
    if refusal is not None:
        return refusal
    if o.kind != RepairKind.PAID or o.fee_total <= 0:
        return IllegalTransition(_("There is no fee to confirm: write the fee lines first."))
    if o.fee_confirmed_at is not None:
        return Conflict(_("The resident already confirmed the fee."))
    return None


def _photo_refusal(o: RepairOrder) -> RepairError | None:
    if o.status == Status.CLOSED:
        return IllegalTransition(_("Repair order %(n)s is closed.") % {"n": o.number})
    return None


def _warranty_refusal(o: RepairOrder) -> RepairError | None:
    if o.status not in BEFORE_WORK:
        return IllegalTransition(_("The work is done: it is no longer sent to a contractor."))
    if o.warranty_sent_at is not None:
        return Conflict(_("It was already sent to the warranty contractor."))
    return None


def _not_a_repair_refusal(o: RepairOrder) -> RepairError | None:
    if o.status in BEFORE_WORK:
        return None
    return IllegalTransition(
        _("Repair order %(n)s is %(s)s: the work was done, it is a repair.")
        % {"n": o.number, "s": o.get_status_display()}
    )


def _desk_head_or_assigned(actor: Actor, o: RepairOrder) -> bool:
    return _desk_or_head(actor, o) or _assigned(actor, o)


def _rework_refusal(o: RepairOrder) -> RepairError | None:
    """Rework redoes work that was done: from the end of the work on (a callback may
    find the resident unhappy before the order is closed)."""
    if o.status in (Status.FINISHED, Status.SIGNED, Status.CLOSED):
        return None
    return IllegalTransition(_("Only work that was done is reworked; this one is not done yet."))


DISPATCH = Permission(_desk_or_head, DESK_OR_HEAD, _dispatch_refusal)
TAKE = Permission(_taker, NOT_YOURS, _take_refusal)
ARRIVE = Permission(_assigned, ASSIGNED_ONLY, _becomes(Status.ARRIVED))
FINISH = Permission(_assigned, ASSIGNED_ONLY, _becomes(Status.FINISHED))
SIGN = Permission(_on_site, ON_SITE, _becomes(Status.SIGNED))
FEEDBACK = Permission(_desk, DESK_ONLY, _feedback_refusal)
CLOSE = Permission(_desk, DESK_ONLY, _close_refusal)
CANNOT_NOW = Permission(_on_site, ON_SITE, _cannot_now_refusal)
PHONE_RESIDENT = Permission(_desk, DESK_ONLY, _phone_refusal)
REWORK = Permission(_desk, DESK_ONLY, _rework_refusal)
TRANSFER = Permission(_desk_head_or_assigned, ON_SITE, _with_technician)
HAND_BACK = Permission(_assigned, ASSIGNED_ONLY, _with_technician)
CHASE = Permission(_desk, DESK_ONLY, _chase_refusal)
FEES = Permission(_on_site, ON_SITE, _fees_refusal)
CONFIRM_FEE = Permission(_on_site, ON_SITE, _confirm_fee_refusal)
PHOTO = Permission(_on_site, ON_SITE, _photo_refusal)
WARRANTY = Permission(_desk_or_head, DESK_OR_HEAD, _warranty_refusal)
NOT_A_REPAIR = Permission(_on_site, ON_SITE, _not_a_repair_refusal)


def repair_can_report(actor: Actor, estate_id: int) -> bool:
    """The desk records repairs; any staff member of the estate (a patrol, a technician,
    a guard) reports one too, and it goes to the desk to dispatch (SPEC §5)."""
    if is_desk(actor, estate_id):
        return True
    profile = profile_of(actor)
    return profile is not None and profile.estate_id == estate_id and actor.is_active


def repair_can_dispatch(actor: Actor, o: RepairOrder) -> bool:
    return DISPATCH.allows(actor, o)


def repair_can_take(actor: Actor, o: RepairOrder) -> bool:
    return TAKE.allows(actor, o)


def repair_can_arrive(actor: Actor, o: RepairOrder) -> bool:
    return ARRIVE.allows(actor, o)


def repair_can_finish(actor: Actor, o: RepairOrder) -> bool:
    return FINISH.allows(actor, o)


def repair_can_sign(actor: Actor, o: RepairOrder) -> bool:
    return SIGN.allows(actor, o)


def repair_can_feedback(actor: Actor, o: RepairOrder) -> bool:
    return FEEDBACK.allows(actor, o)


def repair_can_close(actor: Actor, o: RepairOrder) -> bool:
    return CLOSE.allows(actor, o)


def repair_can_cannot_now(actor: Actor, o: RepairOrder) -> bool:
    return CANNOT_NOW.allows(actor, o)


def repair_can_phone_resident(actor: Actor, o: RepairOrder) -> bool:
    return PHONE_RESIDENT.allows(actor, o)


def repair_can_rework(actor: Actor, o: RepairOrder) -> bool:
    return REWORK.allows(actor, o)


def repair_can_transfer(actor: Actor, o: RepairOrder) -> bool:
    return TRANSFER.allows(actor, o)


def repair_can_hand_back(actor: Actor, o: RepairOrder) -> bool:
    return HAND_BACK.allows(actor, o)


def repair_can_chase(actor: Actor, o: RepairOrder) -> bool:
    return CHASE.allows(actor, o)


def repair_can_fees(actor: Actor, o: RepairOrder) -> bool:
    return FEES.allows(actor, o)


def repair_can_confirm_fee(actor: Actor, o: RepairOrder) -> bool:
    return CONFIRM_FEE.allows(actor, o)


def repair_can_photo(actor: Actor, o: RepairOrder) -> bool:
    return PHOTO.allows(actor, o)


def repair_can_warranty(actor: Actor, o: RepairOrder) -> bool:
    return WARRANTY.allows(actor, o)


def repair_can_not_a_repair(actor: Actor, o: RepairOrder) -> bool:
    return NOT_A_REPAIR.allows(actor, o)
