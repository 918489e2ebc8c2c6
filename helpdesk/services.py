"""Every write to an inquiry or help request and to the duty log. Each in one
transaction, the row locked, the actor's right and the state checked (the same
predicates the screens ask), the log written with it. A refused action raises
``HelpdeskError`` (``casework.permissions.CaseError``) and writes nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.numbers import next_number
from casework.permissions import CaseError, Conflict, IllegalTransition, NotAllowed, Permission
from casework.rules import RuleBook
from staff.access import is_desk, works_at
from staff.models import Department, Estate, Notification, StaffProfile, Unit
from staff.notify import notify
from staff.roles import Role
from staff.templatetags.staff_tags import person

from . import events, policy
from .clocks import TABLE
from .models import (
    DISASTERS,
    EMERGENCIES,
    SECURITY_INCIDENTS,
    Channel,
    DutyEntry,
    DutyShift,
    EventKind,
    Handover,
    Kind,
    Request,
    RequestCounter,
    Status,
)
from .selectors import open_items

HelpdeskError = CaseError

__all__ = [
    "Conflict",
    "HelpdeskError",
    "IllegalTransition",
    "NotAllowed",
    "duty_note",
    "handover_confirm",
    "handover_write",
    "on_duty",
    "request_act",
    "request_answer",
    "request_receive",
    "request_refer",
    "shift_open",
]

PREFIX = "ZX"


def _text(text: str, *, required: str | None = None, limit: int = policy.TEXT_LIMIT) -> str:
    text = (text or "").strip()
    if required and not text:
        raise HelpdeskError(required)
    if len(text) > limit:
        raise HelpdeskError(
            _("At most %(limit)d characters, please (this is %(n)d): say it briefly.")
            % {"limit": limit, "n": len(text)}
        )
    return text


def _book(estate: Estate) -> RuleBook:
    return RuleBook.load(estate.company_id)


def _lock(request_id: int) -> Request:
    r = (
        Request.objects.select_for_update(of=("self",))
        .select_related("estate", "received_by")
        .filter(pk=request_id)
        .first()
    )
    if r is None:
        raise HelpdeskError(_("This request does not exist."))
    return r


def _save(r: Request, fields: list[str]) -> None:
    r.save(update_fields=[*fields, *TABLE.refresh(r, _book(r.estate))])


def _link(r: Request) -> str:
    return reverse("helpdesk:detail", args=[r.pk])


# --- who may ---------------------------------------------------------------------------


def _open(r: Request) -> CaseError | None:
    if r.status != Status.OPEN:
        return Conflict(_("This request is already done."))
    return None


def _referable(r: Request) -> CaseError | None:
    if (refusal := _open(r)) is not None:
        return refusal
    if r.written:
        return IllegalTransition(
            _("A written inquiry goes to the office director and is answered in writing.")
        )
    if r.referred_at is not None:
        return Conflict(_("A supervisor has already been asked."))
    return None


def _desk(actor, r: Request) -> bool:
    return is_desk(actor, r.estate_id)


request_can_refer = Permission(
    _desk, _("Only the service desk of this estate handles its requests."), _referable
)
request_can_act = Permission(
    _desk, _("Only the service desk of this estate handles its requests."), _open
)
request_can_answer = request_can_act


# --- receiving --------------------------------------------------------------------------


def _alert_recipients(estate: Estate) -> list[User]:
    """004 §4.4.3, §4.6, §4.7: the duty officers, the head of security and the office
    director of the estate."""
    profiles = StaffProfile.objects.filter(user__is_active=True, estate=estate).filter(
        role__in=[Role.DUTY_OFFICER, Role.OFFICE_DIRECTOR]
    ) | StaffProfile.objects.filter(
        user__is_active=True,
        role=Role.DEPARTMENT_HEAD,
        department__estate=estate,
        department__kind=Department.Kind.SECURITY,
    )
    people = {p.user_id: p.user for p in profiles.select_related("user")}
    for d in Department.objects.filter(
        estate=estate, kind=Department.Kind.SECURITY, head__isnull=False
    ).select_related("head"):
        if d.head is not None and d.head.is_active:
            people[d.head.pk] = d.head
    return sorted(people.values(), key=lambda u: u.pk)


def _check_kind(kind: str, incident: str, channel: str) -> str:
    if kind not in Kind.values:
        raise HelpdeskError(_("Choose what kind of request it is."))
    if channel not in Channel.values:
        raise HelpdeskError(_("Choose how it reached the desk."))
    if kind == Kind.SECURITY:
        if incident not in SECURITY_INCIDENTS:
            raise HelpdeskError(
                _(
                    "Say what happened: theft, fight, robbery, homicide, poisoning "
                    "or a traffic accident."
                )
            )
        return incident
    if kind == Kind.DISASTER:
        if incident not in DISASTERS:
            raise HelpdeskError(_("Say what happened: a flood or a fire."))
        return incident
    if incident:
        raise HelpdeskError(_("Only a security incident or a disaster says what happened."))
    return ""


def _same_matter(estate: Estate, unit: Unit | None, kind: str, now: dt.datetime) -> Request | None:
    if unit is None:
        return None
    since = now - dt.timedelta(days=policy.SAME_MATTER_DAYS)
    return (
        Request.objects.filter(
            estate=estate, unit=unit, kind=kind, status=Status.OPEN, received_at__gte=since
        )
        .select_related("received_by")
        .order_by("received_at")
        .first()
    )


@transaction.atomic
def request_receive(
    *,
    actor: User,
    estate: Estate,
    kind: str,
    channel: str,
    question: str,
    incident: str = "",
    unit: Unit | None = None,
    location: str = "",
    resident_name: str = "",
    resident_phone: str = "",
    confidential: bool = False,
    answer: str = "",
) -> Request:
    """Record what reached the desk. An oral inquiry or everyday help answered at once
    is done when recorded (``answer``); a written inquiry starts its two days and goes to
    the office director; an emergency alerts the duty officers, the security head and
    the office director now. The same matter from the same unit, still open, is a
    second report shown against the first one's owner, who is told."""
    if not is_desk(actor, estate.pk):
        raise NotAllowed(_("Only the service desk of this estate records requests."))
    incident = _check_kind(kind, incident, channel)
    question = _text(question, required=_("Say what was asked or reported."))
    answer = _text(answer)
    location = _text(location, limit=100)
    if unit is not None and unit.estate_id != estate.pk:
        raise HelpdeskError(_("This unit is not at this estate."))
    if unit is None and not location:
        raise HelpdeskError(_("Give the unit or the place."))
    now = timezone.now()
    r = Request(
        estate=estate,
        number=next_number(RequestCounter, estate_id=estate.pk, prefix=PREFIX, at=now),
        kind=kind,
        incident=incident,
        channel=channel,
        unit=unit,
        location=location,
        resident_name=_text(resident_name, limit=50),
        resident_phone=_text(resident_phone, limit=20),
        question=question,
        confidential=confidential,
        received_at=now,
        received_by=actor,
        first_report=_same_matter(estate, unit, kind, now),
    )
    if r.written:
        if answer:
            raise HelpdeskError(
                _("A written inquiry is answered in writing after the office director reads it.")
            )
        r.answer_from = now
        r.answer_due = _book(estate).due_after(policy.WRITTEN, now)
    elif answer and kind not in EMERGENCIES:
        r.status = Status.CLOSED
        r.answer, r.answered_at, r.answered_by = answer, now, actor
    r.save()
    r.save(update_fields=TABLE.refresh(r, _book(estate)))
    events.record(events.entry(r, EventKind.RECEIVED, actor=actor, at=now))
    if r.status == Status.CLOSED:
        events.record(events.entry(r, EventKind.ANSWERED, actor=actor, at=now, note=answer))
    elif answer:  # an emergency is not done at once: what was said or done is logged
        events.record(events.entry(r, EventKind.ACTION, actor=actor, at=now, note=answer))
    if kind in EMERGENCIES:
        _alert(r, actor, now)
    elif r.written:
        _tell(r, [*_people(estate, Role.OFFICE_DIRECTOR)], _("written inquiry to answer: %(case)s"))
    if r.first_report is not None:
        first = r.first_report
        events.record(
            events.entry(first, EventKind.REPORTED_AGAIN, actor=actor, at=now, again=r.number)
        )
        _tell(first, [first.received_by], _("reported again: %(case)s"), again=r)
    return r


def _people(estate: Estate, role: str) -> list[User]:
    return [
        p.user
        for p in StaffProfile.objects.filter(estate=estate, role=role, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    ]


def _tell(r: Request, who: list[User], subject: str, *, again: Request | None = None) -> None:
    notify(
        key=f"request:{r.pk}:{again.pk if again else 'told'}:{subject}"[:200],
        subject=f"[{r.estate.name}] " + subject % {"case": r.number},
        link=_link(again or r),
        recipients=who,
        kind=Notification.Kind.OTHER,
        thread=f"request:{r.pk}",
    )


def _alert(r: Request, actor: User, now: dt.datetime) -> None:
    who = _alert_recipients(r.estate)
    what = r.get_incident_display() if r.incident else r.get_kind_display()
    place = str(r.unit) if r.unit else r.location
    notify(
        key=f"request:{r.pk}:alert",
        subject=f"[{r.estate.name}] "
        + _("EMERGENCY %(what)s at %(place)s: %(case)s")
        % {"what": what, "place": place, "case": r.number},
        body=r.question,
        link=_link(r),
        recipients=who,
        kind=Notification.Kind.OTHER,
        thread=f"request:{r.pk}",
    )
    r.alerted_at = now
    r.save(update_fields=["alerted_at"])
    events.record(events.entry(r, EventKind.ALERTED, actor=actor, at=now, told=[u.pk for u in who]))


# --- handling ---------------------------------------------------------------------------


@transaction.atomic
def request_refer(*, actor: User, request_id: int, supervisor: User) -> Request:
    """The desk cannot answer at once: a supervisor is asked, and the resident is
    answered within five minutes of it (004 §4.4.2, §4.5.2)."""
    r = _lock(request_id)
    request_can_refer.check(actor, r)
    profile = getattr(supervisor, "staff_profile", None)
    if (
        profile is None
        or profile.role not in (Role.SUPERVISOR, Role.OFFICE_DIRECTOR)
        or not works_at(supervisor, r.estate_id)
    ):
        raise HelpdeskError(_("Ask a supervisor or the office director of this estate."))
    now = timezone.now()
    r.referred_at, r.referred_to, r.answer_from = now, supervisor, now
    r.answer_due = _book(r.estate).due_after(policy.REFERRED, now)
    _save(r, ["referred_at", "referred_to", "answer_from", "answer_due"])
    events.record(
        events.entry(r, EventKind.REFERRED, actor=actor, at=now, supervisor=supervisor.pk)
    )
    _tell(r, [supervisor], _("a question for you: %(case)s"))
    return r


@transaction.atomic
def request_act(*, actor: User, request_id: int, note: str, who_went: str = "") -> Request:
    """What was done and who went (派人前往), on the request's log."""
    r = _lock(request_id)
    request_can_act.check(actor, r)
    note = _text(note, required=_("Say what was done."))
    who_went = _text(who_went, limit=100)
    events.record(events.entry(r, EventKind.ACTION, actor=actor, note=note, who_went=who_went))
    return r


@transaction.atomic
def request_answer(*, actor: User, request_id: int, answer: str) -> Request:
    """The resident is answered, or the help given: the request is done."""
    r = _lock(request_id)
    request_can_answer.check(actor, r)
    answer = _text(answer, required=_("Write the answer, or what was done."))
    now = timezone.now()
    r.status, r.answer, r.answered_at, r.answered_by = Status.CLOSED, answer, now, actor
    _save(r, ["status", "answer", "answered_at", "answered_by"])
    events.record(events.entry(r, EventKind.ANSWERED, actor=actor, at=now, note=answer))
    return r


# --- the duty log -----------------------------------------------------------------------


def on_duty(estate_id: int, at: dt.datetime | None = None) -> DutyShift | None:
    """The shift responsible at ``at`` (now): its holder answers for what is open then.
    A handover moves the responsibility only when the one taking over confirms it."""
    at = at or timezone.now()
    return (
        DutyShift.objects.filter(estate_id=estate_id, started_at__lte=at)
        .exclude(ended_at__lte=at)
        .select_related("holder")
        .order_by("-started_at")
        .first()
    )


@transaction.atomic
def shift_open(*, actor: User, estate: Estate) -> DutyShift:
    """Open the duty when nobody is on it (the first shift, or after a gap)."""
    if not is_desk(actor, estate.pk):
        raise NotAllowed(_("Only the service desk of this estate keeps its duty log."))
    current = (
        DutyShift.objects.select_for_update().filter(estate=estate, ended_at__isnull=True).first()
    )
    if current is not None:
        raise Conflict(
            _("%(name)s is on duty: take over through a handover.")
            % {"name": person(current.holder)}
        )
    try:
        with transaction.atomic():
            return DutyShift.objects.create(estate=estate, holder=actor, started_at=timezone.now())
    except IntegrityError as exc:  # opened at the same moment by someone else
        raise Conflict(_("Somebody has just opened the duty.")) from exc


def _own_shift(actor: User, shift_id: int) -> DutyShift:
    shift = (
        DutyShift.objects.select_for_update().select_related("estate").filter(pk=shift_id).first()
    )
    if shift is None:
        raise HelpdeskError(_("This shift does not exist."))
    if shift.ended_at is not None:
        raise Conflict(_("This shift has been handed over."))
    if shift.holder_id != actor.pk:
        raise NotAllowed(_("Only the one on duty writes in this shift's record."))
    return shift


@transaction.atomic
def duty_note(*, actor: User, shift_id: int, text: str) -> DutyEntry:
    """A line of the duty record: a call out of hours, a round, anything to remember."""
    shift = _own_shift(actor, shift_id)
    text = _text(text, required=_("Write what happened."))
    return DutyEntry.objects.create(shift=shift, actor=actor, at=timezone.now(), note=text)


@transaction.atomic
def handover_write(*, actor: User, shift_id: int, to: User, watch: str = "") -> Handover:
    """The one on duty hands over: what is left open (as it stands now) and what to
    watch, to the person named, and signs. Still theirs until that person confirms."""
    shift = _own_shift(actor, shift_id)
    if to.pk == actor.pk or not is_desk(to, shift.estate_id):
        raise HelpdeskError(_("Hand over to another member of this estate's service desk."))
    if Handover.objects.filter(from_shift=shift).exists():
        raise Conflict(_("This shift has been handed over already; wait for the confirmation."))
    now = timezone.now()
    handover = Handover.objects.create(
        estate=shift.estate,
        from_shift=shift,
        by=actor,
        to=to,
        written_at=now,
        items=open_items(shift.estate_id, now),
        watch=_text(watch),
    )
    notify(
        key=f"handover:{handover.pk}",
        subject=f"[{shift.estate.name}] "
        + _("%(name)s hands the duty over to you: confirm it") % {"name": person(actor)},
        link=reverse("helpdesk:duty"),
        recipients=[to],
        kind=Notification.Kind.OTHER,
    )
    return handover


@transaction.atomic
def handover_confirm(*, actor: User, handover_id: int) -> DutyShift:
    """The one taking over confirms (signs): the shift handed over ends and theirs
    begins, at this moment; from now on what was handed over is theirs."""
    handover = (
        Handover.objects.select_for_update()
        .select_related("from_shift")
        .filter(pk=handover_id)
        .first()
    )
    if handover is None:
        raise HelpdeskError(_("This handover does not exist."))
    if handover.to_id != actor.pk:
        raise NotAllowed(_("Only the person it is handed over to confirms it."))
    if handover.confirmed_at is not None:
        raise Conflict(_("This handover is already confirmed."))
    now = timezone.now()
    handover.confirmed_at = now
    handover.save(update_fields=["confirmed_at"])
    shift = handover.from_shift
    shift.ended_at = now
    shift.save(update_fields=["ended_at"])
    return DutyShift.objects.create(estate_id=shift.estate_id, holder=actor, started_at=now)
