"""What every repair service shares: the errors, the row lock, the state-machine move,
the clocks kept after a change, numbering and the same-fault lookup."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from casework.numbers import next_number
from casework.permissions import CaseError
from casework.permissions import Conflict as Conflict
from casework.permissions import IllegalTransition as IllegalTransition
from casework.permissions import NotAllowed as NotAllowed
from casework.rules import RuleBook
from staff.models import Estate

from .. import policy
from ..clocks import TABLE
from ..models import TRANSITIONS, Fault, RepairOrder, RepairOrderCounter, Status

# Free text is capped at what the paper form has room for.
NOTE_LIMIT = 2000


# The errors of every kind of case; RepairError is what the repair screens catch.
RepairError = CaseError


def checked_text(text: str, limit: int = NOTE_LIMIT) -> str:
    text = text.strip()
    if len(text) > limit:
        raise RepairError(
            _("At most %(limit)d characters, please (this is %(n)d): say it briefly.")
            % {"limit": limit, "n": len(text)}
        )
    return text


def _lock(order_id: int) -> RepairOrder:
    try:
        return RepairOrder.objects.select_for_update().get(pk=order_id)
    except RepairOrder.DoesNotExist:
        raise RepairError(_("This repair order does not exist.")) from None


def transition_refusal(o: RepairOrder, to: str) -> RepairError | None:
    """Why ``o`` cannot move to status ``to`` now, or None if it can."""
    if to in TRANSITIONS.get(o.status, set()):
        return None
    if o.status == to:
        return Conflict(
            _("Repair order %(n)s is already %(s)s.") % {"n": o.number, "s": o.get_status_display()}
        )
    return IllegalTransition(
        _("Repair order %(n)s is %(s)s: it cannot become %(t)s.")
        % {"n": o.number, "s": o.get_status_display(), "t": Status(to).label}
    )


def _move(o: RepairOrder, to: str) -> None:
    refusal = transition_refusal(o, to)
    if refusal is not None:
        raise refusal
    o.status = to


def book_of(o: RepairOrder) -> RuleBook:
    """The rules and the calendar of the order's company, loaded once per service."""
    return RuleBook.load(
        Estate.objects.filter(pk=o.estate_id).values_list("company_id", flat=True).first()
    )


def _save(o: RepairOrder, fields: list[str], book: RuleBook) -> None:
    """Save ``fields`` with the clocks they leave: the nearest deadline, the next alarm."""
    o.save(update_fields=[*fields, *TABLE.refresh(o, book)])


def _next_number(estate: Estate, at: dt.datetime) -> str:
    return next_number(RepairOrderCounter, estate_id=estate.pk, prefix="WX", at=at)


def same_fault_before(o: RepairOrder) -> RepairOrder | None:
    """The latest earlier order of the same fault at the same unit within 30 days
    (003: 连续报修的如2次断水、断电等问题必须要查清原因). "Other" is no fault kind to
    compare, and the order a rework redoes is the same report, not a second fault."""
    if o.unit_id is None or o.fault == Fault.OTHER:
        return None
    earlier = RepairOrder.objects.filter(
        unit_id=o.unit_id,
        fault=o.fault,
        reported_at__gte=o.reported_at - policy.ROOT_CAUSE_WINDOW,
        reported_at__lte=o.reported_at,
    ).exclude(pk=o.pk)
    if o.rework_of_id is not None:
        earlier = earlier.exclude(pk=o.rework_of_id)
    return earlier.order_by("-reported_at", "-pk").first()
