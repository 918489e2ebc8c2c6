"""The complaint's clocks: its deadlines worked out from the rule book, and its clock
table for the deadline sweep (what each alarm does: remind, escalate, upgrade to major,
write the overdue event and tell whoever must act)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from casework.clocks import Batch, Clock, ClockTable, PlannedAlarm
from casework.models import Alarm
from casework.rules import RuleBook
from staff.models import Estate, Notification
from staff.notify import Message
from staff.roles import Role
from staff.selectors import Directory

from . import events, notices, policy
from .models import Channel, Complaint, Extension, Grade, Status


@dataclass(frozen=True)
class Deadlines:
    route_due: dt.datetime
    escalate_due: dt.datetime | None
    answer_due: dt.datetime | None
    resolve_due: dt.datetime
    upgrade_due: dt.datetime | None


def deadlines_for(
    book: RuleBook,
    *,
    received_at: dt.datetime,
    grade: str,
    channel: str = Channel.PHONE,
    requested_deadline: dt.date | None = None,
) -> Deadlines:
    """The deadlines of a complaint whose clocks start at ``received_at``."""

    def due(key: str) -> dt.datetime:
        return book.due_after(key, received_at)

    resolve_due = due(policy.RESOLVE_CLOCK[grade])
    if grade == Grade.MINOR and requested_deadline is not None:
        # The resident's date counts to the end of that day, and only if it is sooner.
        asked = timezone.make_aware(
            dt.datetime.combine(requested_deadline + dt.timedelta(days=1), dt.time.min)
        )
        resolve_due = min(resolve_due, asked)
    return Deadlines(
        route_due=due(policy.ROUTE),
        escalate_due=due(policy.ESCALATE_CLOCK[grade]) if grade in policy.ESCALATE_CLOCK else None,
        answer_due=due(policy.answer_clock(grade, channel)),
        resolve_due=resolve_due,
        upgrade_due=due(policy.UPGRADE) if grade != Grade.MAJOR else None,
    )


def inform_due_for(book: RuleBook, handled_at: dt.datetime) -> dt.datetime:
    return book.due_after(policy.INFORM, handled_at)


def _deadlines_from(c: Complaint, start: dt.datetime, book: RuleBook) -> Deadlines:
    """The complaint's clocks as if they started at ``start``."""
    requested = c.requested_deadline
    if requested is not None and requested < timezone.localdate(start):
        requested = None  # a date already past cannot shorten a clock that starts now
    return deadlines_for(
        book, received_at=start, grade=c.grade, channel=c.channel, requested_deadline=requested
    )


DEADLINE_FIELDS = ["route_due", "escalate_due", "answer_due", "resolve_due", "upgrade_due"]


def start_clocks(c: Complaint, start: dt.datetime, book: RuleBook) -> list[str]:
    """Every grade clock from ``start`` (receipt, or a reopening)."""
    d = _deadlines_from(c, start, book)
    c.route_due, c.escalate_due, c.answer_due = d.route_due, d.escalate_due, d.answer_due
    c.resolve_due, c.upgrade_due = d.resolve_due, d.upgrade_due
    return list(DEADLINE_FIELDS)


def regrade_clocks(c: Complaint, book: RuleBook, *, approved: dt.datetime | None) -> list[str]:
    """After a grade change: new escalation, answer, resolution and upgrade clocks, from
    when the clocks started (receipt, or the reopening). Routing and informing are not
    about the grade and stay; an approved extension (its latest deadline: ``approved``)
    still holds. Returns the fields set."""
    d = _deadlines_from(c, c.reopened_at or c.received_at, book)
    c.escalate_due, c.answer_due = d.escalate_due, d.answer_due
    c.resolve_due = max(d.resolve_due, approved) if approved else d.resolve_due
    if c.grade == Grade.MAJOR:
        c.upgrade_due = None
    elif c.upgrade_due is None:  # downgraded from major: one month from receipt again
        c.upgrade_due = book.due_after(policy.UPGRADE, c.received_at)
    fields = ["grade", "escalate_due", "answer_due", "resolve_due", "upgrade_due"]
    needed = policy.ESCALATE_TO.get(c.grade, "")
    if policy.ESCALATION_RANK[needed] > policy.ESCALATION_RANK[c.escalated_to]:
        # Escalated to the director, now major: it must still reach the general manager.
        c.escalated_to, c.escalated_at = "", None
        fields += ["escalated_to", "escalated_at"]
    return fields


def approved_deadlines(complaint_ids: list[int]) -> dict[int, dt.datetime]:
    """The latest approved extension deadline of each complaint that has one."""
    rows = (
        Extension.objects.filter(
            complaint_id__in=complaint_ids, decision=Extension.Decision.APPROVED
        )
        .values("complaint_id")
        .annotate(latest=Max("new_deadline"))
        .values_list("complaint_id", "latest")
    )
    return dict(rows)


def pass_pending_extensions(complaint_ids: list[int], grade: str) -> None:
    """A waiting extension needs the approver of the complaint's grade now; when that
    is somebody else, the new approver is told."""
    role = policy.EXTENSION_APPROVER[grade]
    waiting = Extension.objects.filter(
        complaint_id__in=complaint_ids, decision=Extension.Decision.PENDING
    )
    passed = list(
        waiting.exclude(approver_role=role)
        .select_related("complaint__estate")
        .defer("complaint__search_bigrams")
    )
    waiting.update(approver_role=role)
    for e in passed:
        e.approver_role = role
    notices.extensions_waiting(passed, passed=True)


# --- the clock table ---------------------------------------------------------------------

# Names as stored in the alarms; the names people read are in CLOCK_LABELS.
ROUTE, ESCALATE, ANSWER, RESOLVE, UPGRADE, INFORM = (
    "route",
    "escalate",
    "answer",
    "resolve",
    "upgrade",
    "inform",
)
# The clocks as the complaint page, the log and the notices name them. The answer owed
# after receipt (答复) and telling the result after handling (告知结果) are two
# clocks a clerk must tell apart.
CLOCK_LABELS = {
    ROUTE: gettext_lazy("Route and sign for"),
    ESCALATE: gettext_lazy("Escalate"),
    ANSWER: gettext_lazy("Answer the resident"),
    RESOLVE: gettext_lazy("Resolve"),
    INFORM: gettext_lazy("Tell the resident the result"),
    UPGRADE: gettext_lazy("Becomes major"),
}
# Clocks the desk must meet (the others are the department's).
DESK_CLOCKS = {ROUTE, ANSWER, INFORM}


@functools.cache
def _subject_in(language: str, template: str, clock: str) -> str:
    return template % {"clock": CLOCK_LABELS[clock]}


def _subject(template: str, clock: str) -> str:
    """A notice's subject for a clock; the same few strings for a whole sweep."""
    return _subject_in(get_language() or "", template, clock)


@dataclass
class _Context:
    people: Directory
    link: str  # the detail page of complaint 0
    approved: dict[int, dt.datetime] | None = None
    upgraded: list[int] = field(default_factory=list)


class ComplaintClocks(ClockTable):
    name = "complaint"
    model = Complaint
    clocks = (
        Clock(ROUTE, "route_due", "signed_at", "received_at", rule=policy.ROUTE),
        Clock(ESCALATE, "escalate_due", "escalated_at", "received_at"),
        Clock(
            ANSWER,
            "answer_due",
            "informed_at",
            "received_at",
            rule=lambda c: policy.answer_clock(c.grade, c.channel),
        ),
        Clock(
            RESOLVE,
            "resolve_due",
            "handled_at",
            "received_at",
            rule=lambda c: policy.RESOLVE_CLOCK[c.grade],
        ),
        Clock(UPGRADE, "upgrade_due", "handled_at", "received_at", replans=True),
        Clock(INFORM, "inform_due", "informed_at", "handled_at", rule=policy.INFORM),
    )
    swept_columns = ("escalated_to", "escalated_at", "grade", *DEADLINE_FIELDS)

    def live(self, case: Complaint) -> bool:
        return case.status != Status.CLOSED

    def company_id(self, case: Complaint) -> int | None:
        return case.estate.company_id

    def batch_queryset(self) -> QuerySet[Complaint]:
        return Complaint.objects.defer("search_bigrams")

    def prepare(self, batch: Batch) -> _Context:
        # The batch's few estates and clerks, each loaded once (a join would build one
        # object per complaint).
        estates = Estate.objects.in_bulk({c.estate_id for c in batch.cases})
        clerks = User.objects.in_bulk({c.received_by_id for c in batch.cases})
        for c in batch.cases:
            c.estate, c.received_by = estates[c.estate_id], clerks[c.received_by_id]
        people = Directory.load(
            estate_ids={c.estate_id for c in batch.cases},
            department_ids={c.department_id for c in batch.cases if c.department_id},
            roles=[Role.SUPERVISOR, Role.OFFICE_DIRECTOR, Role.GENERAL_MANAGER],
        )
        return _Context(people=people, link=reverse("complaints:detail", args=[0]))

    def fire(self, batch: Batch, case: Complaint, alarm: PlannedAlarm) -> None:
        clock = alarm.clock.name
        if alarm.kind == Alarm.Kind.REMINDER:
            self._remind(batch, case, alarm)
        elif clock == ESCALATE:
            self._escalate(batch, case, alarm)
        elif clock == UPGRADE:
            self._upgrade(batch, case, alarm)
        else:
            self._overdue(batch, case, alarm)

    def finish(self, batch: Batch) -> None:
        ctx: _Context = batch.context
        if ctx.upgraded:
            pass_pending_extensions(ctx.upgraded, Grade.MAJOR)

    # --- what each alarm does ---------------------------------------------------------

    def _tell(
        self,
        batch: Batch,
        c: Complaint,
        alarm: PlannedAlarm,
        subject: str,
        recipients: list[Any],
        *,
        kind: str,
        wecom: bool = False,
    ) -> None:
        ctx: _Context = batch.context
        once = list({u.pk: u for u in recipients if u is not None}.values())  # nobody twice
        batch.tell(
            Message(
                key=f"complaint:{c.pk}:{alarm.clock.name}:{alarm.kind}:{alarm.due.isoformat()}",
                subject=f"[{c.estate.name}] {c.number} {subject}",
                body=c.description[:200],
                link=ctx.link.replace("/0/", f"/{c.pk}/"),
                recipients=once,
                wecom_webhook=c.estate.wecom_webhook if wecom else "",
                kind=kind,
                thread=f"complaint:{c.pk}",
            )
        )

    def _desk(self, batch: Batch, c: Complaint) -> list[Any]:
        """The clerk who took it; the supervisors when that clerk no longer works here."""
        if c.received_by.is_active:
            return [c.received_by]
        return batch.context.people.with_roles(c.estate_id, Role.SUPERVISOR)

    def _remind(self, batch: Batch, c: Complaint, alarm: PlannedAlarm) -> None:
        if alarm.due <= batch.now:
            return  # caught up after the deadline: the overdue alarm says it all
        people: Directory = batch.context.people
        if alarm.clock.name in DESK_CLOCKS:
            who = self._desk(batch, c)
        else:
            who = people.heads(c.department_id) or people.with_roles(c.estate_id, Role.SUPERVISOR)
        subject = _subject(_("due soon: %(clock)s"), alarm.clock.name)
        self._tell(batch, c, alarm, subject, who, kind=Notification.Kind.DUE_SOON)

    def _escalate(self, batch: Batch, c: Complaint, alarm: PlannedAlarm) -> None:
        people: Directory = batch.context.people
        to = policy.ESCALATE_TO[Grade(c.grade)]
        c.escalated_to, c.escalated_at = to, batch.now
        batch.log(events.escalated(c, actor=None, to=to, at=batch.now))
        subject = _("escalated to you (%(grade)s)") % {"grade": c.get_grade_display()}
        who = [
            *people.with_roles(c.estate_id, to),
            *people.with_roles(c.estate_id, Role.SUPERVISOR),
        ]
        self._tell(batch, c, alarm, subject, who, kind=Notification.Kind.ESCALATED, wecom=True)

    def _upgrade(self, batch: Batch, c: Complaint, alarm: PlannedAlarm) -> None:
        ctx: _Context = batch.context
        if ctx.approved is None:
            ctx.approved = approved_deadlines([x.pk for x in batch.cases])
        previous = c.grade
        c.grade = Grade.MAJOR
        regrade_clocks(c, batch.book(c), approved=ctx.approved.get(c.pk))
        ctx.upgraded.append(c.pk)
        batch.log(
            events.regraded(
                c,
                actor=None,
                previous=previous,
                note=_("Unresolved for one month: major complaint."),
                at=batch.now,
            )
        )
        who = ctx.people.with_roles(
            c.estate_id, Role.SUPERVISOR, Role.OFFICE_DIRECTOR, Role.GENERAL_MANAGER
        )
        subject = _("unresolved for one month: now a major complaint")
        self._tell(batch, c, alarm, subject, who, kind=Notification.Kind.ESCALATED, wecom=True)

    def _overdue(self, batch: Batch, c: Complaint, alarm: PlannedAlarm) -> None:
        people: Directory = batch.context.people
        clock = alarm.clock.name
        batch.log(events.overdue(c, clock=clock, due=alarm.due, at=batch.now))
        supervisors = people.with_roles(c.estate_id, Role.SUPERVISOR)
        # The head of the department it is routed to hears of every overdue of it, the
        # routing clock included (a head who has not signed for it yet most of all).
        heads = people.heads(c.department_id)
        if clock in DESK_CLOCKS:
            who = [c.received_by, *heads, *supervisors]
        else:
            who = [*heads, *supervisors]
        subject = _subject(_("overdue: %(clock)s"), clock)
        kind = Notification.Kind.OVERDUE
        self._tell(batch, c, alarm, subject, who, kind=kind, wecom=clock != INFORM)


TABLE = ComplaintClocks()
