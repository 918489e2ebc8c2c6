"""Every write to a callback. Each in one transaction, the row locked, the actor's right
and the state checked (the same predicates the screens ask), the log written with it. A
refused action raises ``CallbackError`` and writes nothing.

Callbacks are opened by the cases below them: a complaint closed (``complaint_closed``)
and a repair's work done (``repair_finished``), received in ``apps.ready``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.permissions import CaseError, Conflict, IllegalTransition, NotAllowed
from casework.rules import RuleBook
from complaints.models import Closure, Complaint
from complaints.services import complaint_reopen
from repairs.images import checked_signature
from repairs.models import RepairOrder
from repairs.services import repair_rework
from staff.access import is_desk
from staff.models import Notification
from staff.notify import notify
from staff.roles import Role
from staff.selectors import users_with_roles

from . import events, policy
from .clocks import TABLE
from .models import (
    Callback,
    EventKind,
    Kind,
    Method,
    PublicLetter,
    Satisfaction,
    Status,
)

CallbackError = CaseError

__all__ = [
    "CallbackError",
    "Conflict",
    "IllegalTransition",
    "NotAllowed",
    "callback_can_record",
    "callback_record",
    "letter_write",
    "open_for_complaint",
    "open_for_repair",
]


def _text(text: str, limit: int = policy.NOTE_LIMIT) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise CallbackError(
            _("At most %(limit)d characters, please (this is %(n)d): say it briefly.")
            % {"limit": limit, "n": len(text)}
        )
    return text


def _book(estate_id: int) -> RuleBook:
    from staff.models import Estate

    return RuleBook.load(
        Estate.objects.filter(pk=estate_id).values_list("company_id", flat=True).first()
    )


def friday_of(day: dt.date) -> dt.date:
    """The Friday engineering hands in the week's finished orders (003 §5.7): the same
    week's, or the next one's for work done on a Saturday or Sunday."""
    return day + dt.timedelta(days=(4 - day.weekday()) % 7)


def _open(cb: Callback, actor: User | None) -> Callback:
    now = cb.opened_at
    book = _book(cb.estate_id)
    cb.callback_due = book.due_after(policy.DUE, now)
    TABLE.refresh(cb, book)
    cb.save()
    events.record(events.entry(cb, EventKind.OPENED, actor=actor))
    return cb


def open_for_complaint(c: Complaint, actor: User | None) -> Callback | None:
    """A closed complaint is called back; an anonymous one, or one outside the company's
    scope, is recorded as needing none (its result is on the complaint)."""
    if Callback.objects.filter(complaint=c, status=Status.DUE).exists():
        return None  # closed twice in one breath: the one waiting stands
    cb = Callback(
        estate_id=c.estate_id,
        kind=Kind.COMPLAINT,
        complaint=c,
        department_id=c.department_id,
        opened_at=c.closed_at or timezone.now(),
    )
    if c.anonymous or c.closure == Closure.OUT_OF_SCOPE:
        cb.status = Status.NOT_NEEDED
        cb.done_at = cb.opened_at
        cb.save()
        reason = "anonymous" if c.anonymous else "out_of_scope"
        events.record(events.entry(cb, EventKind.NOT_NEEDED, actor=actor, reason=reason))
        return cb
    return _open(cb, actor)


def open_for_repair(o: RepairOrder, actor: User | None) -> Callback | None:
    """A repair whose work is done is called back, in the batch of the week engineering
    hands it in."""
    if Callback.objects.filter(repair_order=o, status=Status.DUE).exists():
        return None
    finished = o.finished_at or timezone.now()
    week_of = friday_of(timezone.localdate(finished))
    # Handed in at the end of that Friday: the desk calls back the week after.
    handed_in = dt.datetime.combine(
        week_of + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    cb = Callback(
        estate_id=o.estate_id,
        kind=Kind.REPAIR,
        repair_order=o,
        department_id=o.department_id,
        opened_at=handed_in,
        week_of=week_of,
    )
    return _open(cb, actor)


def _lock(callback_id: int) -> Callback:
    cb = (
        Callback.objects.select_for_update(of=("self",))
        .select_related("estate")
        .filter(pk=callback_id)
        .first()
    )
    if cb is None:
        raise CallbackError(_("This callback does not exist."))
    return cb


def callback_can_record(actor, cb: Callback) -> bool:
    """The service desk of the estate calls back (a patrol visiting, on a phone)."""
    return is_desk(actor, cb.estate_id) and cb.status == Status.DUE


def _check(actor, cb: Callback) -> None:
    if not is_desk(actor, cb.estate_id):
        raise NotAllowed(_("Only the service desk of this estate calls residents back."))
    if cb.status != Status.DUE:
        raise Conflict(
            _("This callback is already recorded: %(s)s.") % {"s": cb.get_status_display()}
        )


def _choice(value: str, choices, message: str) -> str:
    if value not in choices.values:
        raise CallbackError(message)
    return value


@transaction.atomic
def callback_record(
    *,
    actor: User,
    callback_id: int,
    method: str,
    reached: bool,
    satisfaction: str = "",
    attitude: str = "",
    speed: str = "",
    quality: str = "",
    words: str = "",
    signature: bytes | None = None,
) -> Callback:
    """One callback (004 §4.2.6): how, whether the resident was reached, how satisfied
    (for a repair also the attitude, speed and quality), in the resident's words; a
    visit carries the resident's signature. Not reached: tried again later, up to
    ``policy.max_tries()``, then recorded as unreachable. Not satisfied: the complaint
    reopens or the repair is redone, and the supervisors are told."""
    method = _choice(method, Method, _("Choose how the resident was called back."))
    words = _text(words)
    cb = _lock(callback_id)
    _check(actor, cb)
    now = timezone.now()
    cb.method = method
    cb.last_tried_at = now
    if not reached:
        cb.tries += 1
        fields = ["method", "tries", "last_tried_at"]
        if cb.tries >= policy.max_tries():
            cb.status = Status.UNREACHABLE
            cb.done_at, cb.done_by = now, actor
            fields += ["status", "done_at", "done_by"]
            kind = EventKind.UNREACHABLE
        else:
            kind = EventKind.NOT_REACHED
        cb.save(update_fields=[*fields, *TABLE.refresh(cb, _book(cb.estate_id))])
        events.record(events.entry(cb, kind, actor=actor, note=words, tries=cb.tries))
        return cb
    satisfaction = _choice(satisfaction, Satisfaction, _("Was the resident satisfied? Choose one."))
    if cb.kind == Kind.REPAIR:
        for value in (attitude, speed, quality):
            _choice(
                value,
                Satisfaction,
                _("For a repair, rate the service attitude, the speed and the quality."),
            )
    else:
        attitude = speed = quality = ""
    drawn = checked_signature(signature) if signature else None
    if method == Method.VISIT and drawn is None:
        raise CallbackError(_("A visit callback carries the resident's signature."))
    cb.status = Status.DONE
    cb.satisfaction, cb.attitude, cb.speed, cb.quality = satisfaction, attitude, speed, quality
    cb.words = words
    cb.signature = drawn
    cb.done_at, cb.done_by = now, actor
    fields = [
        "method",
        "last_tried_at",
        "status",
        "satisfaction",
        "attitude",
        "speed",
        "quality",
        "words",
        "signature",
        "done_at",
        "done_by",
    ]
    cb.save(update_fields=[*fields, *TABLE.refresh(cb, _book(cb.estate_id))])
    events.record(
        events.entry(cb, EventKind.DONE, actor=actor, note=words, satisfaction=satisfaction)
    )
    if satisfaction == Satisfaction.NOT_SATISFIED:
        _not_satisfied(cb, actor, words)
    return cb


def _not_satisfied(cb: Callback, actor: User, words: str) -> None:
    """Back to work: the complaint reopens to its department with new deadlines, or the
    repair is redone (返工); the supervisors hear of it, and a matter raised again is
    told to the office director (003 §8)."""
    reason = words or _("Not satisfied at the callback.")
    # The rework's description quotes the reason: room for its own words.
    reason = reason if len(reason) <= 1800 else reason[:1799] + "…"
    if cb.kind == Kind.COMPLAINT:
        assert cb.complaint is not None
        complaint_reopen(actor=actor, complaint_id=cb.complaint.pk, reason=reason)
        events.record(events.entry(cb, EventKind.REOPENED, actor=actor))
        case_number = cb.complaint.number
        link = reverse("complaints:detail", args=[cb.complaint_id])
    else:
        assert cb.repair_order is not None
        new = repair_rework(actor=actor, order_id=cb.repair_order.pk, reason=reason)
        events.record(events.entry(cb, EventKind.REWORK, actor=actor, rework=new.number))
        case_number = cb.repair_order.number
        link = reverse("repairs:detail", args=[new.pk])
    people = users_with_roles(
        roles=[Role.SUPERVISOR, Role.OFFICE_DIRECTOR], estate_ids=[cb.estate_id]
    )
    notify(
        key=f"callback:{cb.pk}:not_satisfied",
        subject=_("[%(estate)s] Not satisfied at the callback of %(n)s")
        % {"estate": cb.estate.name, "n": case_number},
        body=words[:500],
        link=link,
        recipients=people.with_roles(cb.estate_id, Role.SUPERVISOR),
        kind=Notification.Kind.OTHER,
        thread=f"callback:{cb.pk}",
    )
    earlier = _raised_before(cb)
    if earlier:
        events.record(events.entry(cb, EventKind.ESCALATED, actor=actor, earlier=earlier))
        notify(
            key=f"callback:{cb.pk}:escalated",
            subject=_("[%(estate)s] %(n)s: the same matter raised again (%(earlier)s)")
            % {"estate": cb.estate.name, "n": case_number, "earlier": "、".join(earlier)},
            body=words[:500],
            link=link,
            recipients=people.with_roles(cb.estate_id, Role.OFFICE_DIRECTOR),
            kind=Notification.Kind.ESCALATED,
            thread=f"callback:{cb.pk}",
        )


def _raised_before(cb: Callback) -> list[str]:
    """The numbers of the unit's earlier cases of the same matter within the window: a
    complaint of the same category, a repair of the same fault (003 §8)."""
    since = timezone.now() - policy.REPEAT_WINDOW
    if cb.kind == Kind.COMPLAINT:
        c = cb.complaint
        assert c is not None
        if c.repeat_of_id is not None:
            return [c.repeat_of.number] if c.repeat_of else []
        if c.unit_id is None:
            return []
        complaints = Complaint.objects.filter(
            unit_id=c.unit_id, category=c.category, received_at__gte=since
        ).exclude(pk=c.pk)
        return list(complaints.order_by("-pk").values_list("number", flat=True)[:5])
    o = cb.repair_order
    assert o is not None
    if o.unit_id is None or o.fault == "other":
        return []
    orders = (
        RepairOrder.objects.filter(unit_id=o.unit_id, fault=o.fault, reported_at__gte=since)
        .exclude(pk=o.pk)
        .exclude(rework_of=o)  # the rework this callback has just ordered
    )
    return list(orders.order_by("-pk").values_list("number", flat=True)[:5])


@transaction.atomic
def letter_write(
    *, actor: User, estate_id: int, title: str, body: str, callback_ids: Iterable[int]
) -> PublicLetter:
    """One public letter (公开信) answering the residents of several callbacks with the
    same matter: kept, and each of those callbacks is done by it."""
    title = _text(title, 100)
    body = _text(body, 5000)
    if not title or not body:
        raise CallbackError(_("Write the letter's title and its text."))
    ids = sorted(set(callback_ids))
    if len(ids) < 2:
        raise CallbackError(_("A public letter answers at least two callbacks."))
    if not is_desk(actor, estate_id):
        raise NotAllowed(_("Only the service desk of this estate calls residents back."))
    callbacks = list(
        Callback.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
    )
    if len(callbacks) != len(ids) or any(cb.estate_id != estate_id for cb in callbacks):
        raise CallbackError(_("Choose callbacks of this estate."))
    done = [cb for cb in callbacks if cb.status != Status.DUE]
    if done:
        raise Conflict(
            _("%(n)d of the chosen callbacks are recorded already: choose again.")
            % {"n": len(done)}
        )
    now = timezone.now()
    letter = PublicLetter.objects.create(
        estate_id=estate_id, title=title, body=body, written_by=actor, written_at=now
    )
    book = _book(estate_id)
    for cb in callbacks:
        cb.status = Status.DONE
        cb.method = Method.LETTER
        cb.letter = letter
        cb.done_at, cb.done_by = now, actor
        cb.save(
            update_fields=[
                "status",
                "method",
                "letter",
                "done_at",
                "done_by",
                *TABLE.refresh(cb, book),
            ]
        )
        events.record(events.entry(cb, EventKind.LETTER, actor=actor, letter=letter.pk))
    return letter
