"""The deadline engine: acts on every clock of SPEC §3, exactly once.

The deadlines are columns of the complaint. ``alarms_of`` lists what each clock asks
for (a reminder at a share of the time, the deadline itself); ``sweep_at`` holds the
earliest alarm not yet fired, under a partial index, so the sweep finds due work with
one index range scan and does nothing when nothing is due.

Each complaint is handled in its own transaction with its row locked (SKIP LOCKED, so
two sweeps share the work). Firing an alarm first inserts a ClockAlarm row; its unique
constraint (complaint, clock, kind, deadline) is what makes a second sweep, a retried
task or a second beat act zero times more. Then, in the same transaction: the event in
the handling log, the automatic escalation or upgrade, and the notifications (unique
too). Celery messages only wake the sweep: after hours of downtime the next run finds
every missed alarm, earliest first.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.models import StaffProfile
from staff.notify import notify
from staff.roles import Role
from staff.services import heartbeat_record

from . import policy
from .models import ClockAlarm, ClockRule, Complaint, EventKind, Grade, Status

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "deadline_sweep"
BATCH = 200


@dataclass(frozen=True)
class Alarm:
    clock: str  # route, escalate, answer, resolve, upgrade, inform
    kind: str  # ClockAlarm.Kind
    at: dt.datetime  # when it fires
    due: dt.datetime  # the deadline it belongs to


# clock -> (deadline field, "done" field, start field, rule for the reminder share)
CLOCKS = {
    "route": ("route_due", "signed_at", "received_at", ClockRule.Clock.ROUTE),
    "escalate": ("escalate_due", "escalated_at", "received_at", None),
    "answer": ("answer_due", "informed_at", "received_at", None),
    "resolve": ("resolve_due", "handled_at", "received_at", None),
    "upgrade": ("upgrade_due", "handled_at", "received_at", None),
    "inform": ("inform_due", "informed_at", "handled_at", ClockRule.Clock.INFORM),
}


def _reminder_rule(c: Complaint, clock: str) -> str | None:
    if clock == "resolve":
        return policy.RESOLVE_CLOCK[c.grade]
    if clock == "answer":
        return policy.answer_clock(c.grade, c.channel)
    return CLOCKS[clock][3]


def alarms_of(c: Complaint, rules: dict) -> list[Alarm]:
    if c.status == Status.CLOSED:
        return []
    alarms = []
    for clock, (due_field, done_field, start_field, _rule) in CLOCKS.items():
        due, start = getattr(c, due_field), getattr(c, start_field)
        if due is None or getattr(c, done_field):
            continue
        if clock == "route" and c.status in (Status.SIGNED, Status.HANDLED, Status.INFORMED):
            continue
        alarms.append(Alarm(clock, ClockAlarm.Kind.DUE, due, due))
        rule = _reminder_rule(c, clock)
        percent = policy.reminder_percent(rules, rule) if rule else 0
        if percent and start and start < due:
            at = start + (due - start) * percent / 100
            alarms.append(Alarm(clock, ClockAlarm.Kind.REMINDER, at, due))
    return sorted(alarms, key=lambda a: a.at)


def _fired(c: Complaint) -> set[tuple[str, str, dt.datetime]]:
    return set(ClockAlarm.objects.filter(complaint=c).values_list("clock", "kind", "due_at"))


def next_sweep_at(c: Complaint, rules: dict | None = None) -> dt.datetime | None:
    fired = _fired(c) if c.pk else set()
    pending = [
        a.at
        for a in alarms_of(c, rules or policy.load_rules())
        if (a.clock, a.kind, a.due) not in fired
    ]
    return min(pending) if pending else None


def _claim(c: Complaint, alarm: Alarm, now: dt.datetime) -> bool:
    """Insert the alarm row; False when it had fired already (the database says so)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO complaints_clockalarm (complaint_id, clock, kind, due_at, fired_at) "
            "VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (complaint_id, clock, kind, due_at) DO NOTHING RETURNING id",
            [c.pk, alarm.clock, alarm.kind, alarm.due, now],
        )
        return cursor.fetchone() is not None


# --- who hears of it ----------------------------------------------------------------------


def _people(c: Complaint, *roles: str):
    """Active staff of the complaint's estate in these roles; general managers, who
    oversee every estate, also when they have none."""
    profiles = StaffProfile.objects.filter(role__in=roles, user__is_active=True).filter(
        Q(estate_id=c.estate_id) | Q(estate__isnull=True, role=Role.GENERAL_MANAGER)
    )
    return [p.user for p in profiles.select_related("user")]


def department_heads(c: Complaint) -> list:
    """The head named on the department and every department-head profile in it."""
    if not c.department_id:
        return []
    heads = [
        p.user
        for p in StaffProfile.objects.filter(
            role=Role.DEPARTMENT_HEAD, department_id=c.department_id, user__is_active=True
        ).select_related("user")
    ]
    if c.department.head_id and c.department.head_id not in {u.pk for u in heads}:
        heads.append(c.department.head)
    return heads


def _tell(c: Complaint, alarm: Alarm, subject: str, recipients, *, wecom: bool = False) -> None:
    notify(
        key=f"complaint:{c.pk}:{alarm.clock}:{alarm.kind}:{alarm.due.isoformat()}",
        subject=f"[{c.estate.name}] {c.number} {subject}",
        body=c.description[:200],
        link=reverse("complaints:detail", args=[c.pk]),
        recipients=recipients,
        wecom_webhook=c.estate.wecom_webhook if wecom else "",
    )


CLOCK_NAMES = {
    "route": _("routing and signing for"),
    "answer": _("the answer to the resident"),
    "resolve": _("resolution"),
    "inform": _("telling the resident the result"),
}


def _act(c: Complaint, alarm: Alarm, now: dt.datetime) -> None:
    from .services import event_write, next_due

    heads = department_heads(c)
    if alarm.kind == ClockAlarm.Kind.REMINDER:
        desk = alarm.clock in ("route", "answer", "inform")
        who = [c.received_by] if desk else heads
        _tell(c, alarm, _("due soon: %(clock)s") % {"clock": CLOCK_NAMES[alarm.clock]}, who)
        return
    if alarm.clock == "escalate":
        to = policy.ESCALATE_TO[c.grade]
        c.escalated_to, c.escalated_at = to, now
        c.next_due = next_due(c)
        c.save(update_fields=["escalated_to", "escalated_at", "next_due"])
        event_write(complaint=c, kind=EventKind.ESCALATED, actor=None, to=to, automatic=True)
        _tell(
            c,
            alarm,
            _("escalated to you (%(grade)s)") % {"grade": c.get_grade_display()},
            _people(c, to, Role.SUPERVISOR),
            wecom=True,
        )
        return
    if alarm.clock == "upgrade":
        from .services import DEADLINE_FIELDS, _apply_deadlines

        previous = c.grade
        c.grade = Grade.MAJOR
        _apply_deadlines(c, c.received_at)
        c.next_due = next_due(c)
        c.save(update_fields=["grade", *DEADLINE_FIELDS, "next_due"])
        event_write(
            complaint=c,
            kind=EventKind.REGRADED,
            actor=None,
            previous=previous,
            grade=Grade.MAJOR,
            note=_("Unresolved for one month: major complaint."),
        )
        _tell(
            c,
            alarm,
            _("unresolved for one month: now a major complaint"),
            _people(c, Role.SUPERVISOR, Role.OFFICE_DIRECTOR, Role.GENERAL_MANAGER),
            wecom=True,
        )
        return
    event_write(
        complaint=c,
        kind=EventKind.OVERDUE,
        actor=None,
        clock=alarm.clock,
        due=alarm.due.isoformat(),
    )
    if alarm.clock in ("route", "answer"):
        who = [c.received_by, *_people(c, Role.SUPERVISOR)]
    elif alarm.clock == "inform":
        who = [c.received_by]
    else:
        who = [*heads, *_people(c, Role.SUPERVISOR)]
    _tell(
        c,
        alarm,
        _("overdue: %(clock)s") % {"clock": CLOCK_NAMES[alarm.clock]},
        who,
        wecom=alarm.clock != "inform",
    )


# --- the sweep ------------------------------------------------------------------------------


def complaint_sweep_one(*, complaint_id: int, now: dt.datetime, rules: dict) -> int:
    """Fire every due alarm of one complaint, earliest first. Returns how many fired."""
    fired_now = 0
    with transaction.atomic():
        c = (
            Complaint.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("estate", "department__head", "received_by")
            .filter(pk=complaint_id, sweep_at__lte=now)
            .first()
        )
        if c is None:  # another sweep has it, or it is no longer due
            return 0
        for _round in range(5):  # an upgrade makes new alarms due at once
            fired = _fired(c)
            due = [
                a
                for a in alarms_of(c, rules)
                if a.at <= now and (a.clock, a.kind, a.due) not in fired
            ]
            if not due:
                break
            for alarm in due:
                if _claim(c, alarm, now):
                    _act(c, alarm, now)
                    fired_now += 1
        c.sweep_at = next_sweep_at(c, rules)
        c.save(update_fields=["sweep_at"])
    return fired_now


def deadline_sweep(*, now: dt.datetime | None = None, budget_seconds: float = 50) -> dict:
    """Handle every complaint whose next alarm is due, earliest first.

    Walks the partial index complaint_sweep_idx with a (sweep_at, id) cursor: a handled
    complaint's sweep_at moves past ``now`` and drops out; one locked by another sweep
    is passed over and left to it."""
    now = now or timezone.now()
    started = time.monotonic()
    rules = policy.load_rules()
    stats = {"complaints": 0, "alarms": 0}
    cursor: tuple[dt.datetime, int] | None = None
    while time.monotonic() - started < budget_seconds:
        qs = Complaint.objects.filter(sweep_at__lte=now)
        if cursor is not None:
            qs = qs.filter(Q(sweep_at__gt=cursor[0]) | Q(sweep_at=cursor[0], id__gt=cursor[1]))
        batch = list(qs.order_by("sweep_at", "id").values_list("sweep_at", "id")[:BATCH])
        for sweep_at, pk in batch:
            stats["alarms"] += complaint_sweep_one(complaint_id=pk, now=now, rules=rules)
            stats["complaints"] += 1
            cursor = (sweep_at, pk)
        if len(batch) < BATCH:
            break
    heartbeat_record(key=HEARTBEAT_KEY)
    if stats["alarms"]:
        logger.info("deadline sweep: %(alarms)d alarms on %(complaints)d complaints", stats)
    return stats
