"""The handling log's writers: one per kind of event, so each entry's details have the
same keys wherever it is written (a service, the sweep) and the log reads the same on
screen and in print. A writer builds the entry; ``record`` saves it."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from staff.models import Department

from .models import Complaint, ComplaintEvent, EventKind


def _entry(
    c: Complaint,
    kind: str,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    note: str = "",
    **data: object,
) -> ComplaintEvent:
    return ComplaintEvent(
        complaint=c, kind=kind, actor=actor, at=at or timezone.now(), note=note, data=data
    )


def record(entry: ComplaintEvent) -> ComplaintEvent:
    entry.save()
    return entry


def received(c: Complaint, *, actor: User, repeat_of: Complaint | None) -> ComplaintEvent:
    return _entry(
        c,
        EventKind.RECEIVED,
        actor=actor,
        channel=c.channel,
        repeat_of=repeat_of.number if repeat_of else None,
    )


def graded(c: Complaint, *, actor: User) -> ComplaintEvent:
    return _entry(c, EventKind.GRADED, actor=actor, grade=c.grade)


def regraded(
    c: Complaint,
    *,
    actor: User | None,
    previous: str,
    note: str,
    at: dt.datetime | None = None,
) -> ComplaintEvent:
    return _entry(
        c, EventKind.REGRADED, actor=actor, at=at, note=note, previous=previous, grade=c.grade
    )


def routed(
    c: Complaint, *, actor: User, department: Department, previous: Department | None
) -> ComplaintEvent:
    return _entry(
        c,
        EventKind.ROUTED,
        actor=actor,
        department=department.name,
        department_id=department.pk,
        previous=previous.name if previous else None,
    )


def signed(c: Complaint, *, actor: User) -> ComplaintEvent:
    return _entry(c, EventKind.SIGNED, actor=actor)


def escalated(
    c: Complaint,
    *,
    actor: User | None,
    to: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> ComplaintEvent:
    """To the office director or the general manager; by the sweep when ``actor`` is
    None."""
    return _entry(
        c, EventKind.ESCALATED, actor=actor, at=at, note=note, to=to, automatic=actor is None
    )


def extension_requested(
    c: Complaint,
    *,
    actor: User,
    reason: str,
    interim_measure: str,
    new_deadline: dt.datetime,
    approver: str,
) -> ComplaintEvent:
    return _entry(
        c,
        EventKind.EXTENSION_REQUESTED,
        actor=actor,
        note=reason,
        interim_measure=interim_measure,
        new_deadline=new_deadline.isoformat(),
        approver=approver,
    )


def extension_approved(
    c: Complaint,
    *,
    actor: User,
    note: str,
    previous: dt.datetime | None,
    new_deadline: dt.datetime,
) -> ComplaintEvent:
    return _entry(
        c,
        EventKind.EXTENSION_APPROVED,
        actor=actor,
        note=note,
        previous=previous.isoformat() if previous else None,
        new_deadline=new_deadline.isoformat(),
    )


def extension_refused(c: Complaint, *, actor: User, note: str) -> ComplaintEvent:
    return _entry(c, EventKind.EXTENSION_REFUSED, actor=actor, note=note)


def handled(c: Complaint, *, actor: User) -> ComplaintEvent:
    return _entry(c, EventKind.HANDLED, actor=actor, note=c.handling_note)


def informed(c: Complaint, *, actor: User, method: str, note: str) -> ComplaintEvent:
    return _entry(c, EventKind.INFORMED, actor=actor, note=note, method=method)


def closed(
    c: Complaint,
    *,
    actor: User,
    note: str = "",
    override: str = "",
    open_repairs: list[str] | None = None,
) -> ComplaintEvent:
    """``override``: the reason a supervisor closed it while the repair orders
    ``open_repairs`` were still open (the reason is the entry's note too)."""
    if not override:
        return _entry(c, EventKind.CLOSED, actor=actor, note=note, closure=c.closure)
    return _entry(
        c,
        EventKind.CLOSED,
        actor=actor,
        note=note or override,
        closure=c.closure,
        override=override,
        open_repairs=list(open_repairs or []),
    )


def reopened(c: Complaint, *, actor: User, reason: str) -> ComplaintEvent:
    return _entry(c, EventKind.REOPENED, actor=actor, note=reason)


def overdue(c: Complaint, *, clock: str, due: dt.datetime, at: dt.datetime) -> ComplaintEvent:
    """Written by the sweep when a deadline passes unmet."""
    return _entry(c, EventKind.OVERDUE, actor=None, at=at, clock=clock, due=due.isoformat())


def noted(c: Complaint, *, actor: User, note: str) -> ComplaintEvent:
    return _entry(c, EventKind.NOTE, actor=actor, note=note)


def repeat_prompted(
    c: Complaint, *, actor: User, repeat_of: Complaint, escalate_to: str, note: str = ""
) -> ComplaintEvent:
    """The desk was asked whether to escalate a matter raised again (二次投诉, 003):
    ``escalate_to`` is the role it went to, or "" when the clerk chose not to."""
    return _entry(
        c,
        EventKind.REPEAT_PROMPTED,
        actor=actor,
        note=note,
        repeat_of=repeat_of.number,
        escalated=bool(escalate_to),
        to=escalate_to or None,
    )


def harm_alerted(
    c: Complaint, *, actor: User, department: Department | None, recipients: list[str]
) -> ComplaintEvent:
    """Something was causing harm right now (004 §4.3.8): who was alerted at intake."""
    return _entry(
        c,
        EventKind.HARM_ALERTED,
        actor=actor,
        department=department.name if department else None,
        department_id=department.pk if department else None,
        recipients=recipients,
    )
