"""The deadline engine: acts on every clock of SPEC §3, exactly once.

The deadlines are columns of the complaint. ``alarms_of`` lists what each clock asks
for (a reminder at a share of the time, the deadline itself); ``sweep_at`` holds the
earliest alarm not yet fired, under a partial index, so the sweep finds due work with
one index range scan and does nothing when nothing is due.

The sweep takes a batch of due complaints with their rows locked (FOR UPDATE SKIP
LOCKED: two sweeps share the work) and handles it in one transaction. Firing alarms
first inserts ClockAlarm rows with ON CONFLICT DO NOTHING RETURNING: the unique
constraint (complaint, clock, kind, deadline) decides what is new, and only what the
database returned is acted on, so a second sweep, a retried task or a second beat acts
zero times more. Then, in the same transaction and in bulk: the events of the handling
log, the automatic escalations and upgrades to major, the notifications (unique too).
A crash rolls the whole batch back and the next sweep does it again. Celery messages
only wake the sweep: after hours of downtime the next run finds every missed alarm,
earliest first.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.calendar import Calendar
from staff.models import StaffProfile
from staff.notify import Message, notify_many
from staff.roles import Role
from staff.services import heartbeat_record

from . import policy
from .models import ClockAlarm, ClockRule, Complaint, ComplaintEvent, EventKind, Grade, Status

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "deadline_sweep"


@dataclass(frozen=True)
class Alarm:
    clock: str  # route, escalate, answer, resolve, upgrade, inform
    kind: str  # ClockAlarm.Kind
    at: dt.datetime  # when it fires
    due: dt.datetime  # the deadline it belongs to

    @property
    def key(self) -> tuple[str, str, dt.datetime]:
        return (self.clock, self.kind, self.due)


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


def _pending_at(c: Complaint, rules: dict, fired: set) -> dt.datetime | None:
    pending = [a.at for a in alarms_of(c, rules) if a.key not in fired]
    return min(pending) if pending else None


def next_sweep_at(c: Complaint, rules: dict | None = None) -> dt.datetime | None:
    """When the sweep must next look at ``c`` (its earliest alarm not yet fired)."""
    fired = (
        set(ClockAlarm.objects.filter(complaint=c).values_list("clock", "kind", "due_at"))
        if c.pk
        else set()
    )
    return _pending_at(c, rules or policy.load_rules(), fired)


def department_heads(c: Complaint) -> list:
    """The head named on the department and every department-head profile in it."""
    if not c.department_id:
        return []
    return _People.load([c]).heads[c.department_id]


# --- one batch --------------------------------------------------------------------------


@dataclass
class _People:
    """Who to tell, loaded once per batch: {(estate_id, role): [users]}, the company-wide
    general managers, and department heads by department."""

    by_estate_role: dict = field(default_factory=lambda: defaultdict(list))
    company_gms: list = field(default_factory=list)
    heads: dict = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, batch: list[Complaint]) -> _People:
        people = cls()
        estates = {c.estate_id for c in batch}
        departments = {c.department_id for c in batch if c.department_id}
        roles = [Role.SUPERVISOR, Role.OFFICE_DIRECTOR, Role.GENERAL_MANAGER, Role.DEPARTMENT_HEAD]
        profiles = StaffProfile.objects.filter(role__in=roles, user__is_active=True).filter(
            estate_id__in=estates
        ) | StaffProfile.objects.filter(role=Role.GENERAL_MANAGER, estate__isnull=True)
        for p in profiles.select_related("user"):
            if p.role == Role.DEPARTMENT_HEAD:
                if p.department_id in departments:
                    people.heads[p.department_id].append(p.user)
            elif p.estate_id is None:
                people.company_gms.append(p.user)
            else:
                people.by_estate_role[(p.estate_id, p.role)].append(p.user)
        for c in batch:
            named = c.department.head if c.department_id else None
            if named is not None and named not in people.heads[c.department_id]:
                people.heads[c.department_id].append(named)
        return people

    def of(self, c: Complaint, *roles: str) -> list:
        users = [u for r in roles for u in self.by_estate_role[(c.estate_id, r)]]
        if Role.GENERAL_MANAGER in roles:
            users += self.company_gms
        return users


CLOCK_NAMES = {
    "route": _("routing and signing for"),
    "answer": _("the answer to the resident"),
    "resolve": _("resolution"),
    "inform": _("telling the resident the result"),
}


class _Batch:
    def __init__(self, complaints: list[Complaint], now: dt.datetime, rules: dict, calendars):
        self.complaints = complaints
        self.now = now
        self.rules = rules
        self.calendars = calendars
        self.people = _People.load(complaints)
        self.events: list[ComplaintEvent] = []
        self.messages: list[Message] = []
        self._detail_url: str | None = None
        self.fired: dict[int, set] = defaultdict(set)
        for cid, *key in ClockAlarm.objects.filter(
            complaint_id__in=[c.pk for c in complaints]
        ).values_list("complaint_id", "clock", "kind", "due_at"):
            self.fired[cid].add(tuple(key))

    def run(self) -> int:
        acted = 0
        todo = self.complaints
        for _round in range(5):  # an upgrade makes new alarms due at once
            wanted = [
                (c, a)
                for c in todo
                for a in alarms_of(c, self.rules)
                if a.at <= self.now and a.key not in self.fired[c.pk]
            ]
            if not wanted:
                break
            claimed = self._claim(wanted)
            by_pk = {c.pk: c for c in todo}
            for cid, clock, kind, due in claimed:
                self.fired[cid].add((clock, kind, due))
            for c, alarm in wanted:
                if (c.pk, *alarm.key) in claimed:
                    self._act(by_pk[c.pk], alarm)
                    acted += 1
            touched = {c.pk for c, _a in wanted}
            todo = [c for c in todo if c.pk in touched]
        self._write()
        return acted

    def _claim(self, wanted: list[tuple[Complaint, Alarm]]) -> set:
        """Insert the alarm rows; the database returns only the ones that are new."""
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO complaints_clockalarm (complaint_id, clock, kind, due_at, fired_at) "
                "SELECT *, %s FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[]) "
                "ON CONFLICT (complaint_id, clock, kind, due_at) DO NOTHING "
                "RETURNING complaint_id, clock, kind, due_at",
                [
                    self.now,
                    [c.pk for c, _a in wanted],
                    [a.clock for _c, a in wanted],
                    [a.kind for _c, a in wanted],
                    [a.due for _c, a in wanted],
                ],
            )
            return {tuple(r) for r in cursor.fetchall()}

    def _link(self, c: Complaint) -> str:
        if self._detail_url is None:
            self._detail_url = reverse("complaints:detail", args=[0])
        return self._detail_url.replace("/0/", f"/{c.pk}/")

    def _desk(self, c: Complaint) -> list:
        """The clerk who took it; the supervisors when that clerk no longer works here."""
        if c.received_by.is_active:
            return [c.received_by]
        return self.people.of(c, Role.SUPERVISOR)

    def _event(self, c: Complaint, kind: str, note: str = "", **data) -> None:
        self.events.append(
            ComplaintEvent(complaint=c, kind=kind, actor=None, at=self.now, note=note, data=data)
        )

    def _tell(self, c: Complaint, alarm: Alarm, subject: str, recipients, wecom=False) -> None:
        self.messages.append(
            Message(
                key=f"complaint:{c.pk}:{alarm.clock}:{alarm.kind}:{alarm.due.isoformat()}",
                subject=f"[{c.estate.name}] {c.number} {subject}",
                body=c.description[:200],
                link=self._link(c),
                recipients=recipients,
                wecom_webhook=c.estate.wecom_webhook if wecom else "",
            )
        )

    def _act(self, c: Complaint, alarm: Alarm) -> None:
        from .services import next_due

        heads = self.people.heads[c.department_id] if c.department_id else []
        supervisors = self.people.of(c, Role.SUPERVISOR)
        if alarm.kind == ClockAlarm.Kind.REMINDER:
            if alarm.due <= self.now:
                return  # caught up after the deadline: the overdue alarm says it all
            desk = alarm.clock in ("route", "answer", "inform")
            subject = _("due soon: %(clock)s") % {"clock": CLOCK_NAMES[alarm.clock]}
            who = self._desk(c) if desk else heads or supervisors
            self._tell(c, alarm, subject, who)
            return
        if alarm.clock == "escalate":
            to = policy.ESCALATE_TO[c.grade]
            c.escalated_to, c.escalated_at = to, self.now
            c.next_due = next_due(c)
            self._event(c, EventKind.ESCALATED, to=to, automatic=True)
            subject = _("escalated to you (%(grade)s)") % {"grade": c.get_grade_display()}
            self._tell(c, alarm, subject, [*self.people.of(c, to), *supervisors], wecom=True)
            return
        if alarm.clock == "upgrade":
            self._upgrade(c, alarm)
            return
        self._event(c, EventKind.OVERDUE, clock=alarm.clock, due=alarm.due.isoformat())
        if alarm.clock in ("route", "answer", "inform"):
            who = [c.received_by, *supervisors]
        else:
            who = [*heads, *supervisors]
        subject = _("overdue: %(clock)s") % {"clock": CLOCK_NAMES[alarm.clock]}
        self._tell(c, alarm, subject, who, wecom=alarm.clock != "inform")

    def _upgrade(self, c: Complaint, alarm: Alarm) -> None:
        from .services import next_due, regrade_clocks

        previous = c.grade
        c.grade = Grade.MAJOR
        regrade_clocks(c, rules=self.rules, calendar=self.calendars(c.estate.company_id))
        c.next_due = next_due(c)
        self._event(
            c,
            EventKind.REGRADED,
            note=_("Unresolved for one month: major complaint."),
            previous=previous,
            grade=Grade.MAJOR,
        )
        self._tell(
            c,
            alarm,
            _("unresolved for one month: now a major complaint"),
            self.people.of(c, Role.SUPERVISOR, Role.OFFICE_DIRECTOR, Role.GENERAL_MANAGER),
            wecom=True,
        )

    def _write(self) -> None:

        for c in self.complaints:
            at = _pending_at(c, self.rules, self.fired[c.pk])
            # Never leave one due: a complaint that still had alarms after five rounds
            # is looked at again in a minute rather than in a tight loop.
            c.sweep_at = self.now + dt.timedelta(minutes=1) if at and at <= self.now else at
        ComplaintEvent.objects.bulk_create(self.events)
        _update_complaints(self.complaints)
        notify_many(self.messages)


# What a sweep may change on a complaint, with the SQL type of each column.
SWEPT_COLUMNS = [
    ("sweep_at", "timestamptz"),
    ("next_due", "timestamptz"),
    ("escalated_to", "text"),
    ("escalated_at", "timestamptz"),
    ("grade", "text"),
    ("route_due", "timestamptz"),
    ("escalate_due", "timestamptz"),
    ("answer_due", "timestamptz"),
    ("resolve_due", "timestamptz"),
    ("upgrade_due", "timestamptz"),
]


def _update_complaints(complaints: list[Complaint]) -> None:
    """One UPDATE … FROM unnest(…) for the whole batch (Django's bulk_update builds a CASE
    per row and column, which costs seconds of Python at this size)."""
    names = [name for name, _t in SWEPT_COLUMNS]
    arrays = [[c.pk for c in complaints]] + [[getattr(c, n) for c in complaints] for n in names]
    columns = ", ".join(f"{n} = v.{n}" for n in names)
    casts = ", ".join(f"%s::{t}[]" for _n, t in SWEPT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE complaints_complaint AS c SET {columns} "  # noqa: S608 - fixed names
            f"FROM unnest(%s::bigint[], {casts}) AS v(id, {', '.join(names)}) "
            "WHERE c.id = v.id",
            arrays,
        )


# --- the sweep ------------------------------------------------------------------------------


def deadline_sweep(*, now: dt.datetime | None = None, budget_seconds: float = 50) -> dict:
    """Handle every complaint whose next alarm is due, earliest first, in batches."""
    now = now or timezone.now()
    started = time.monotonic()
    rules = policy.load_rules()
    calendars: dict = {}

    def calendar(company_id):
        if company_id not in calendars:
            calendars[company_id] = Calendar(company_id)
        return calendars[company_id]

    stats = {"complaints": 0, "alarms": 0}
    due = Complaint.objects.filter(sweep_at__lte=now)
    while time.monotonic() - started < budget_seconds and due.exists():
        with transaction.atomic():
            batch = list(
                Complaint.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("estate", "department__head", "received_by")
                .defer("search_bigrams")
                .filter(sweep_at__lte=now)
                .order_by("sweep_at", "id")[: settings.DEADLINE_SWEEP_BATCH]
            )
            if batch:
                stats["alarms"] += _Batch(batch, now, rules, calendar).run()
                stats["complaints"] += len(batch)
        if len(batch) < settings.DEADLINE_SWEEP_BATCH:
            break
    heartbeat_record(key=HEARTBEAT_KEY)
    if stats["alarms"]:
        logger.info("deadline sweep: %(alarms)d alarms on %(complaints)d complaints", stats)
    return stats
