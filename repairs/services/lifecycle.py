"""Every write to a repair order, from the report to the close, rework included."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint
from staff.access import is_desk
from staff.models import Department, Estate, Notification, Unit
from staff.notify import notify
from staff.roles import DESK_ROLES
from staff.selectors import department_heads, users_with_roles
from staff.templatetags.staff_tags import person

from .. import events
from ..clocks import TABLE, arrive_due_for, dispatch_due_for, feedback_due_for, promise_due_for
from ..images import checked_signature
from ..models import Fault, RepairKind, RepairOrder, Source, Status, Urgency
from ..signals import repair_finished
from .base import (
    Conflict,
    NotAllowed,
    RepairError,
    _lock,
    _move,
    _next_number,
    _save,
    book_of,
    checked_text,
    same_fault_before,
)
from .dispatching import dispatched_notice, next_in_turn
from .permissions import (
    ARRIVE,
    CANNOT_NOW,
    CLOSE,
    DISPATCH,
    FEEDBACK,
    FINISH,
    PHONE_RESIDENT,
    REWORK,
    SIGN,
    TAKE,
    is_technician_of,
    repair_can_report,
)


def _engineering(estate_id: int) -> Department | None:
    return Department.objects.filter(estate_id=estate_id, kind=Department.Kind.ENGINEERING).first()


@transaction.atomic
def repair_report(
    *,
    actor: User,
    estate: Estate,
    description: str,
    urgency: str,
    source: str = Source.CALL,
    fault: str = Fault.OTHER,
    unit: Unit | None = None,
    location: str = "",
    resident_name: str = "",
    resident_phone: str = "",
    appointment_at: dt.datetime | None = None,
    kind: str = RepairKind.FREE,
    complaint: Complaint | None = None,
) -> RepairOrder:
    """The desk records a repair (004 §4.2.2) and has two minutes to pass it to
    engineering (004 §4.2.7.1)."""
    if not repair_can_report(actor, estate.pk):
        raise NotAllowed(_("Only the staff of this estate may report a repair here."))
    return _report(
        actor=actor,
        estate=estate,
        description=description,
        urgency=urgency,
        source=source,
        fault=fault,
        unit=unit,
        location=location,
        resident_name=resident_name,
        resident_phone=resident_phone,
        appointment_at=appointment_at,
        kind=kind,
        complaint=complaint,
        rework_of=None,
    )


def _report(
    *,
    actor: User,
    estate: Estate,
    description: str,
    urgency: str,
    source: str,
    fault: str,
    unit: Unit | None,
    location: str,
    resident_name: str,
    resident_phone: str,
    appointment_at: dt.datetime | None,
    kind: str,
    complaint: Complaint | None,
    rework_of: RepairOrder | None,
) -> RepairOrder:
    description = checked_text(description)
    if not description:
        raise RepairError(_("Write what is to be repaired."))
    if urgency not in Urgency.values:
        raise RepairError(_("Choose urgent, special emergency or appointment."))
    if fault not in Fault.values or kind not in RepairKind.values or source not in Source.values:
        raise RepairError(_("Choose the fault, the kind of repair and how it was reported."))
    if urgency == Urgency.APPOINTMENT and appointment_at is None:
        raise RepairError(_("An appointment needs the agreed time."))
    if urgency != Urgency.APPOINTMENT:
        appointment_at = None
    if unit is not None and unit.estate_id != estate.pk:
        raise RepairError(_("The unit is not in this estate."))
    if unit is None and not location.strip():
        raise RepairError(_("Give the unit or the place."))
    if complaint is not None and complaint.estate_id != estate.pk:
        raise RepairError(_("The complaint is of another estate."))
    now = timezone.now()
    o = RepairOrder(
        estate=estate,
        number=_next_number(estate, now),
        reported_at=now,
        reported_by=actor,
        source=Source.COMPLAINT if complaint is not None else source,
        complaint=complaint,
        unit=unit,
        location=location.strip(),
        resident_name=resident_name.strip(),
        resident_phone=resident_phone.strip(),
        description=description,
        fault=fault,
        urgency=urgency,
        appointment_at=appointment_at,
        kind=kind,
        department=_engineering(estate.pk),
        rework_of=rework_of,
    )
    book = book_of(o)
    o.dispatch_due = dispatch_due_for(book, now)
    earlier = same_fault_before(o)
    o.root_cause_flag = earlier is not None
    TABLE.refresh(o, book)  # nothing has fired yet: its clocks from the start
    o.save()
    events.record(events.reported(o, actor=actor))
    if not is_desk(actor, estate.pk):
        _desk_notice(o, actor)
    if earlier is not None:
        events.record(events.root_cause(o, actor=actor, earlier=earlier))
        _root_cause_notice(o, earlier)
    return o


def _desk_notice(o: RepairOrder, actor: User) -> None:
    """A repair reported by staff outside the desk goes to the desk to dispatch."""
    desk = users_with_roles(roles=DESK_ROLES, estate_ids=[o.estate_id])
    notify(
        key=f"repair:{o.pk}:reported",
        subject=_("[%(estate)s] Repair %(n)s reported by %(who)s: dispatch it")
        % {"estate": o.estate.name, "n": o.number, "who": person(actor)},
        body=o.description[:500],
        link=reverse("repairs:detail", args=[o.pk]),
        recipients=[u for r in DESK_ROLES for u in desk.with_roles(o.estate_id, r)],
        kind=Notification.Kind.ROUTED,
        thread=f"repair:{o.pk}",
    )


def _root_cause_notice(o: RepairOrder, earlier: RepairOrder) -> None:
    """The engineering head is told to find the cause (003)."""
    notify(
        key=f"repair:{o.pk}:root_cause",
        subject=_("[%(estate)s] %(n)s: the same fault again at this unit, find the cause (%(e)s)")
        % {"estate": o.estate.name, "n": o.number, "e": earlier.number},
        body=o.description[:500],
        link=reverse("repairs:detail", args=[o.pk]),
        recipients=department_heads(o.department_id),
        kind=Notification.Kind.OTHER,
        thread=f"repair:{o.pk}",
    )


@transaction.atomic
def repair_dispatch(
    *, actor: User, order_id: int, technician: User | None = None, round_robin: bool = False
) -> RepairOrder:
    """Assign to a technician of the estate's engineering department; or to the next
    technician on shift in turn (``round_robin``); or publish it for those on shift to
    take (neither). The arrival clock starts now: urgent and special emergency by the
    rule, an appointment at its time."""
    o = _lock(order_id)
    DISPATCH.check(actor, o)
    now = timezone.now()
    if round_robin:
        if o.department_id is None:
            raise RepairError(_("This estate has no engineering department to send it to."))
        technician = next_in_turn(o.department_id, now)
        if technician is None:
            raise RepairError(
                _("Nobody of engineering is on shift now: choose a technician or publish it.")
            )
    if technician is not None and not is_technician_of(technician, o.estate_id):
        raise RepairError(_("Choose a technician of this estate's engineering department."))
    if technician is not None:
        o.department = technician.staff_profile.department
    if o.department_id is None:
        raise RepairError(_("This estate has no engineering department to send it to."))
    book = book_of(o)
    _move(o, Status.DISPATCHED)
    o.dispatched_at = now
    o.technician = technician
    o.published = technician is None
    o.arrive_due = arrive_due_for(book, o, now)
    _save(
        o, ["status", "dispatched_at", "technician", "published", "department", "arrive_due"], book
    )
    events.record(events.dispatched(o, actor=actor, round_robin=round_robin))
    dispatched_notice(o)
    return o


@transaction.atomic
def repair_take(*, actor: User, order_id: int) -> RepairOrder:
    """A technician takes the order (接单): his own, or one open to take. Two taking one
    at once: the row lock makes the second wait and then see it taken."""
    o = _lock(order_id)
    if (
        o.taken_at is not None
        and o.technician_id != actor.pk
        and is_technician_of(actor, o.estate_id)
    ):
        # The one who lost the race: say so rather than "not yours".
        raise Conflict(_("Repair order %(n)s was already taken.") % {"n": o.number})
    TAKE.check(actor, o)
    book = book_of(o)
    _move(o, Status.TAKEN)
    o.technician = actor
    o.published = False
    o.taken_at = timezone.now()
    _save(o, ["status", "technician", "published", "taken_at"], book)
    events.record(events.taken(o, actor=actor))
    return o


@transaction.atomic
def repair_arrive(*, actor: User, order_id: int) -> RepairOrder:
    o = _lock(order_id)
    ARRIVE.check(actor, o)
    _move(o, Status.ARRIVED)
    o.arrived_at = timezone.now()
    _save(o, ["status", "arrived_at"], book_of(o))
    events.record(events.arrived(o, actor=actor))
    return o


@transaction.atomic
def repair_finish(
    *, actor: User, order_id: int, work_done: str, kind: str | None = None, parts: str = ""
) -> RepairOrder:
    """The work is done; the desk must hear of it within 20 minutes (004 §4.2.7.3).
    Paid work is done only on a fee the resident confirmed before it started."""
    work_done = checked_text(work_done)
    parts = checked_text(parts, 500)
    if not work_done:
        raise RepairError(_("Write what was done."))
    if kind is not None and kind not in (RepairKind.FREE, RepairKind.PAID, RepairKind.WARRANTY):
        raise RepairError(_("Choose the kind of repair."))
    o = _lock(order_id)
    FINISH.check(actor, o)
    if o.kind == RepairKind.PAID and kind not in (None, RepairKind.PAID):
        raise RepairError(_("Paid work: clear the fee lines to make it free or warranty work."))
    if (kind or o.kind) == RepairKind.PAID and o.fee_confirmed_at is None:
        raise RepairError(
            _("Paid work: write the fee lines and have the resident confirm the fee first.")
        )
    book = book_of(o)
    _move(o, Status.FINISHED)
    now = timezone.now()
    o.finished_at = now
    o.work_done = work_done
    o.parts = parts
    o.feedback_due = feedback_due_for(book, now)
    fields = ["status", "finished_at", "work_done", "parts", "feedback_due"]
    if kind is not None:
        o.kind = kind
        fields.append("kind")
    _save(o, fields, book)
    events.record(events.finished(o, actor=actor))
    repair_finished.send(sender=RepairOrder, order=o, actor=actor)
    return o


@transaction.atomic
def repair_sign(
    *,
    actor: User,
    order_id: int,
    signed_name: str = "",
    unsigned_reason: str = "",
    signature: bytes | None = None,
) -> RepairOrder:
    """The resident inspects and signs: drawn on the screen (a PNG) or a typed name; or
    the reason there is no signature (004 §4.2.4.9)."""
    signed_name = checked_text(signed_name, 50)
    unsigned_reason = checked_text(unsigned_reason, 200)
    drawn = checked_signature(signature) if signature else None
    if not signed_name and not unsigned_reason and drawn is None:
        raise RepairError(_("The resident signs, or give the reason there is no signature."))
    o = _lock(order_id)
    SIGN.check(actor, o)
    _move(o, Status.SIGNED)
    o.signed_at = timezone.now()
    o.signed_name = signed_name
    o.signature = drawn
    o.unsigned_reason = "" if (signed_name or drawn) else unsigned_reason
    _save(o, ["status", "signed_at", "signed_name", "signature", "unsigned_reason"], book_of(o))
    events.record(events.signed(o, actor=actor))
    return o


@transaction.atomic
def repair_feedback(*, actor: User, order_id: int, note: str = "") -> RepairOrder:
    """The desk records the technician's feedback after the work (004 §4.2.5)."""
    note = checked_text(note)
    o = _lock(order_id)
    FEEDBACK.check(actor, o)
    o.feedback_at = timezone.now()
    _save(o, ["feedback_at"], book_of(o))
    events.record(events.feedback(o, actor=actor, note=note))
    return o


@transaction.atomic
def repair_close(
    *, actor: User, order_id: int, note: str = "", receipt_number: str = ""
) -> RepairOrder:
    """The desk closes a signed order. Paid work needs its receipt number; closing is the
    desk's feedback when none was recorded yet."""
    note = checked_text(note)
    receipt_number = checked_text(receipt_number, 30)
    o = _lock(order_id)
    CLOSE.check(actor, o)
    fields = ["status", "closed_at"]
    if o.kind == RepairKind.PAID and o.fee_total > 0:
        receipt_number = receipt_number or o.receipt_number
        if not receipt_number:
            raise RepairError(_("Paid work: give the receipt number of the fee."))
        if receipt_number != o.receipt_number:
            o.receipt_number = receipt_number
            fields.append("receipt_number")
            events.record(events.paid(o, actor=actor))
    now = timezone.now()
    if o.feedback_at is None:
        o.feedback_at = now
        fields.append("feedback_at")
        events.record(events.feedback(o, actor=actor, note=""))
    _move(o, Status.CLOSED)
    o.closed_at = now
    _save(o, fields, book_of(o))
    events.record(events.closed(o, actor=actor, note=note))
    return o


@transaction.atomic
def repair_cannot_now(
    *,
    actor: User,
    order_id: int,
    reason: str,
    promised_at: dt.datetime,
    responsible_party: str = "",
    protective_measures: str = "",
) -> RepairOrder:
    """It cannot be done now (004 §4.2.7.4): the desk must phone the resident with the
    reason and the promised time, which becomes the appointment; the order goes back to
    dispatched, with the same technician, for the new time. Unfinished work names the
    responsible party and the protective measures taken (003)."""
    reason = checked_text(reason)
    if not reason:
        raise RepairError(_("Give the reason it cannot be done now."))
    responsible_party = checked_text(responsible_party, 100)
    protective_measures = checked_text(protective_measures)
    o = _lock(order_id)
    CANNOT_NOW.check(actor, o)
    now = timezone.now()
    if promised_at <= now:
        raise RepairError(_("The promised time must be later than now."))
    book = book_of(o)
    if o.arrive_due is not None and (o.arrived_at or now) > o.arrive_due:
        o.arrival_missed = True
    _move(o, Status.DISPATCHED)
    o.cannot_now_at = now
    o.cannot_now_reason = reason
    o.responsible_party = responsible_party
    o.protective_measures = protective_measures
    o.promise_due = promise_due_for(book, now)
    o.resident_phoned_at = None
    o.urgency = Urgency.APPOINTMENT
    o.appointment_at = promised_at
    o.arrive_due = promised_at
    o.taken_at = None
    o.arrived_at = None
    _save(
        o,
        [
            "status",
            "cannot_now_at",
            "cannot_now_reason",
            "responsible_party",
            "protective_measures",
            "promise_due",
            "resident_phoned_at",
            "urgency",
            "appointment_at",
            "arrive_due",
            "taken_at",
            "arrived_at",
            "arrival_missed",
        ],
        book,
    )
    events.record(events.cannot_now(o, actor=actor, promised_at=promised_at))
    return o


@transaction.atomic
def repair_phone_resident(*, actor: User, order_id: int, note: str = "") -> RepairOrder:
    """The desk told the resident the reason and the promised time."""
    note = checked_text(note)
    o = _lock(order_id)
    PHONE_RESIDENT.check(actor, o)
    o.resident_phoned_at = timezone.now()
    _save(o, ["resident_phoned_at"], book_of(o))
    events.record(events.resident_phoned(o, actor=actor, note=note))
    return o


@transaction.atomic
def repair_rework(
    *,
    actor: User,
    order_id: int,
    reason: str,
    urgency: str = Urgency.URGENT,
    appointment_at: dt.datetime | None = None,
) -> RepairOrder:
    """The resident is not satisfied (返工): a new order for the same unit and fault,
    reported now and linked to the one whose work was done; it counts against the rework
    rate."""
    reason = checked_text(reason)
    if not reason:
        raise RepairError(_("Give the reason the work is to be redone."))
    o = _lock(order_id)
    REWORK.check(actor, o)
    new = _report(
        actor=actor,
        estate=o.estate,
        description=_("Rework of %(n)s: %(reason)s") % {"n": o.number, "reason": reason},
        urgency=urgency,
        source=o.source,
        fault=o.fault,
        unit=o.unit,
        location=o.location,
        resident_name=o.resident_name,
        resident_phone=o.resident_phone,
        appointment_at=appointment_at,
        kind=o.kind,
        complaint=o.complaint,
        rework_of=o,
    )
    events.record(events.rework(o, actor=actor, new=new, reason=reason))
    return new
