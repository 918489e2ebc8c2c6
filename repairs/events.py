"""The repair log's writers: one per kind of event, so each entry's details have the
same keys wherever it is written (a service, the sweep). A writer builds the entry;
``record`` saves it."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from staff.templatetags.staff_tags import person

from .models import EventKind, RepairOrder, RepairOrderEvent


def _entry(
    o: RepairOrder,
    kind: str,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    note: str = "",
    **data: object,
) -> RepairOrderEvent:
    return RepairOrderEvent(
        order=o, kind=kind, actor=actor, at=at or timezone.now(), note=note, data=data
    )


def record(entry: RepairOrderEvent) -> RepairOrderEvent:
    entry.save()
    return entry


def reported(o: RepairOrder, *, actor: User) -> RepairOrderEvent:
    return _entry(
        o,
        EventKind.REPORTED,
        actor=actor,
        source=o.source,
        urgency=o.urgency,
        fault=o.fault,
        complaint=o.complaint.number if o.complaint else None,
        rework_of=o.rework_of.number if o.rework_of else None,
    )


def dispatched(o: RepairOrder, *, actor: User, round_robin: bool = False) -> RepairOrderEvent:
    """Assigned to a technician, or published for the technicians to take."""
    technician = o.technician
    name = person(technician) if technician else None
    return _entry(
        o,
        EventKind.DISPATCHED,
        actor=actor,
        technician=name,
        technician_id=technician.pk if technician else None,
        published=o.published,
        round_robin=round_robin,
        arrive_due=o.arrive_due.isoformat() if o.arrive_due else None,
    )


def taken(o: RepairOrder, *, actor: User) -> RepairOrderEvent:
    return _entry(o, EventKind.TAKEN, actor=actor)


def arrived(o: RepairOrder, *, actor: User) -> RepairOrderEvent:
    return _entry(o, EventKind.ARRIVED, actor=actor)


def finished(o: RepairOrder, *, actor: User) -> RepairOrderEvent:
    return _entry(o, EventKind.FINISHED, actor=actor, note=o.work_done, repair_kind=o.kind)


def signed(o: RepairOrder, *, actor: User) -> RepairOrderEvent:
    return _entry(
        o,
        EventKind.SIGNED,
        actor=actor,
        signed_name=o.signed_name or None,
        drawn=bool(o.signature),
        unsigned_reason=o.unsigned_reason or None,
    )


def feedback(o: RepairOrder, *, actor: User, note: str) -> RepairOrderEvent:
    return _entry(o, EventKind.FEEDBACK, actor=actor, note=note)


def closed(o: RepairOrder, *, actor: User, note: str = "") -> RepairOrderEvent:
    return _entry(o, EventKind.CLOSED, actor=actor, note=note)


def cannot_now(o: RepairOrder, *, actor: User, promised_at: dt.datetime) -> RepairOrderEvent:
    return _entry(
        o,
        EventKind.CANNOT_NOW,
        actor=actor,
        note=o.cannot_now_reason,
        promised_at=promised_at.isoformat(),
        responsible_party=o.responsible_party or None,
        protective_measures=o.protective_measures or None,
    )


def resident_phoned(o: RepairOrder, *, actor: User, note: str) -> RepairOrderEvent:
    return _entry(o, EventKind.RESIDENT_PHONED, actor=actor, note=note)


def rework(o: RepairOrder, *, actor: User, new: RepairOrder, reason: str) -> RepairOrderEvent:
    """On the closed order: the resident was not satisfied, ``new`` redoes the work."""
    return _entry(o, EventKind.REWORK, actor=actor, note=reason, rework=new.number)


def root_cause(o: RepairOrder, *, actor: User, earlier: RepairOrder) -> RepairOrderEvent:
    return _entry(o, EventKind.ROOT_CAUSE, actor=actor, earlier=earlier.number, fault=o.fault)


def overdue(o: RepairOrder, *, clock: str, due: dt.datetime, at: dt.datetime) -> RepairOrderEvent:
    """Written by the sweep when a deadline passes unmet."""
    return _entry(o, EventKind.OVERDUE, actor=None, at=at, clock=clock, due=due.isoformat())


def _name(user: User | None) -> str | None:
    return person(user) if user is not None else None


def transferred(
    o: RepairOrder, *, actor: User, before: User | None, reason: str
) -> RepairOrderEvent:
    return _entry(
        o,
        EventKind.TRANSFERRED,
        actor=actor,
        note=reason,
        technician=_name(o.technician),
        technician_id=o.technician_id,
        before=_name(before),
    )


def handed_back(o: RepairOrder, *, actor: User, reason: str) -> RepairOrderEvent:
    return _entry(o, EventKind.HANDED_BACK, actor=actor, note=reason)


def chased(o: RepairOrder, *, actor: User, note: str) -> RepairOrderEvent:
    return _entry(o, EventKind.CHASED, actor=actor, note=note, status=o.status)


def fees(o: RepairOrder, *, actor: User, lines: list[dict[str, str]]) -> RepairOrderEvent:
    return _entry(o, EventKind.FEES, actor=actor, total=str(o.fee_total), lines=lines)


def fee_confirmed(o: RepairOrder, *, actor: User) -> RepairOrderEvent:
    return _entry(
        o,
        EventKind.FEE_CONFIRMED,
        actor=actor,
        total=str(o.fee_total),
        resident=o.fee_confirmed_name or None,
    )


def paid(o: RepairOrder, *, actor: User) -> RepairOrderEvent:
    return _entry(o, EventKind.PAID, actor=actor, total=str(o.fee_total), receipt=o.receipt_number)


def photo(o: RepairOrder, *, actor: User, stage: str, photo_id: int) -> RepairOrderEvent:
    return _entry(o, EventKind.PHOTO, actor=actor, stage=stage, photo_id=photo_id)


def warranty_sent(o: RepairOrder, *, actor: User) -> RepairOrderEvent:
    return _entry(o, EventKind.WARRANTY_SENT, actor=actor, contractor=o.warranty_contractor)


def not_a_repair(o: RepairOrder, *, actor: User) -> RepairOrderEvent:
    return _entry(o, EventKind.NOT_A_REPAIR, actor=actor, note=o.work_done)
