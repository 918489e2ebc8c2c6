"""Who gets an order: the technicians on shift, the next one in turn, the notice of a
dispatch; and passing an order on (转单), handing it back (退单) and a resident
chasing it (催单)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.expressions import BaseExpression
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.models import Notification
from staff.notify import notify
from staff.roles import Role
from staff.selectors import department_heads

from .. import events
from ..models import RepairOrder, Status
from .base import RepairError, _lock, _move, _save, book_of, checked_text
from .permissions import CHASE, HAND_BACK, TRANSFER, is_technician_of


def technician_of(department: int | BaseExpression, *, via: str = "") -> Q:
    """Who counts as a technician of the department (active, with that role there): a
    condition on a user, or with ``via`` on what points at one (``via="user__"``)."""
    return Q(
        **{
            f"{via}is_active": True,
            f"{via}staff_profile__department_id": department,
            f"{via}staff_profile__role": Role.TECHNICIAN,
        }
    )


def _technicians(department_id: int):
    return User.objects.filter(technician_of(department_id)).order_by("pk")


def technicians(department_id: int) -> list[User]:
    """The active technicians of the department."""
    return list(_technicians(department_id))


def on_shift(department_id: int, at: dt.datetime) -> list[User]:
    """The technicians of the department whose shift covers ``at``."""
    return list(
        _technicians(department_id)
        .filter(shifts__starts_at__lte=at, shifts__ends_at__gt=at)
        .distinct()
    )


def next_in_turn(department_id: int, at: dt.datetime) -> User | None:
    """Round-robin (轮派): of those on shift, the one given an order longest ago (or
    never)."""
    crew = on_shift(department_id, at)
    if not crew:
        return None
    last = dict(
        RepairOrder.objects.filter(technician__in=crew, dispatched_at__isnull=False)
        .values("technician_id")
        .annotate(last=Max("dispatched_at"))
        .values_list("technician_id", "last")
    )
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    return min(crew, key=lambda u: (last.get(u.pk) or never, u.pk))


def _link(o: RepairOrder) -> str:
    return reverse("repairs:detail", args=[o.pk])


def dispatched_notice(
    o: RepairOrder, at: dt.datetime | None = None, *, but: User | None = None
) -> None:
    """The technician it is assigned to; when it is open to take, those on shift (every
    technician of the department when the roster says nobody). ``at``: when it was
    passed on, for a transfer or a hand back (the dispatch itself keeps its time)."""
    if o.technician is not None:
        recipients = [o.technician]
    else:
        assert o.department_id is not None  # repair_dispatch refused it without one
        now = timezone.now()
        recipients = on_shift(o.department_id, now) or technicians(o.department_id)
        recipients = [u for u in recipients if but is None or u.pk != but.pk]
    notify(
        key=f"repair:{o.pk}:dispatched:{(at or o.dispatched_at or timezone.now()).isoformat()}"
        f":{o.technician_id or ''}",
        subject=_("[%(estate)s] Repair %(n)s: %(what)s")
        % {"estate": o.estate.name, "n": o.number, "what": o.get_urgency_display()},
        body=o.description[:500],
        link=_link(o),
        recipients=recipients,
        kind=Notification.Kind.ROUTED,
        thread=f"repair:{o.pk}",
    )


@transaction.atomic
def repair_transfer(*, actor: User, order_id: int, technician: User, reason: str) -> RepairOrder:
    """Pass an order not yet on site to another technician (转单): he takes it anew,
    the arrival clock keeps its time."""
    reason = checked_text(reason, 200)
    if not reason:
        raise RepairError(_("Give the reason it is passed on."))
    o = _lock(order_id)
    TRANSFER.check(actor, o)
    if not is_technician_of(technician, o.estate_id):
        raise RepairError(_("Choose a technician of this estate's engineering department."))
    if technician.pk == o.technician_id:
        raise RepairError(_("The order is with this technician already."))
    before = o.technician
    if o.status != Status.DISPATCHED:
        _move(o, Status.DISPATCHED)
    o.technician = technician
    o.department = technician.staff_profile.department
    o.published = False
    o.taken_at = None
    # dispatched_at keeps the first dispatch: the desk's clock was met then.
    _save(o, ["status", "technician", "department", "published", "taken_at"], book_of(o))
    entry = events.record(events.transferred(o, actor=actor, before=before, reason=reason))
    dispatched_notice(o, at=entry.at)
    return o


@transaction.atomic
def repair_hand_back(*, actor: User, order_id: int, reason: str) -> RepairOrder:
    """The technician cannot do it (退单): it goes back open to take, and the head is
    told."""
    reason = checked_text(reason, 200)
    if not reason:
        raise RepairError(_("Give the reason it is handed back."))
    o = _lock(order_id)
    HAND_BACK.check(actor, o)
    if o.status != Status.DISPATCHED:
        _move(o, Status.DISPATCHED)
    o.technician = None
    o.published = True
    o.taken_at = None
    _save(o, ["status", "technician", "published", "taken_at"], book_of(o))
    entry = events.record(events.handed_back(o, actor=actor, reason=reason))
    notify(
        key=f"repair:{o.pk}:handed_back:{entry.at.isoformat()}",
        subject=_("[%(estate)s] %(n)s handed back: %(reason)s")
        % {"estate": o.estate.name, "n": o.number, "reason": reason},
        body=o.description[:500],
        link=_link(o),
        recipients=department_heads(o.department_id),
        kind=Notification.Kind.ROUTED,
        thread=f"repair:{o.pk}",
    )
    dispatched_notice(o, at=entry.at, but=actor)
    return o


@transaction.atomic
def repair_chase(*, actor: User, order_id: int, note: str = "") -> RepairOrder:
    """The resident chases the order (催单): logged, and the technician and the head
    hear of it at once."""
    note = checked_text(note, 200)
    o = _lock(order_id)
    CHASE.check(actor, o)
    now = timezone.now()
    o.chased_at = now
    o.save(update_fields=["chased_at"])
    events.record(events.chased(o, actor=actor, note=note))
    recipients = list(department_heads(o.department_id))
    if o.technician is not None:
        recipients.insert(0, o.technician)
    notify(
        key=f"repair:{o.pk}:chased:{now.isoformat()}",
        subject=_("[%(estate)s] The resident is chasing %(n)s (催单)")
        % {"estate": o.estate.name, "n": o.number},
        body=note or o.description[:500],
        link=_link(o),
        recipients=recipients,
        kind=Notification.Kind.OVERDUE,
        thread=f"repair:{o.pk}",
    )
    return o
