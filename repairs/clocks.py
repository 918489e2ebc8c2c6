"""The repair order's clocks: its deadlines worked out from the rule book, and its clock
table for the deadline sweep (what each alarm does: remind whoever must act, write the
overdue event and tell the engineering head and the supervisors)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.clocks import Batch, Clock, ClockTable, PlannedAlarm
from casework.models import Alarm
from casework.rules import RuleBook
from staff.models import Notification
from staff.notify import Message
from staff.roles import DESK_ROLES, Role
from staff.selectors import Directory

from . import events, policy
from .models import RepairOrder, Status, Urgency


def dispatch_due_for(book: RuleBook, reported_at: dt.datetime) -> dt.datetime:
    return book.due_after(policy.DISPATCH, reported_at)


def arrive_due_for(book: RuleBook, o: RepairOrder, dispatched_at: dt.datetime) -> dt.datetime:
    """Urgent and special emergency: a rule from the dispatch; an appointment: its time."""
    rule = policy.arrive_rule(o.urgency)
    if rule is None:
        assert o.appointment_at is not None
        return o.appointment_at
    return book.due_after(rule, dispatched_at)


def feedback_due_for(book: RuleBook, finished_at: dt.datetime) -> dt.datetime:
    return book.due_after(policy.FEEDBACK, finished_at)


def promise_due_for(book: RuleBook, at: dt.datetime) -> dt.datetime:
    return book.due_after(policy.PROMISE_CALL, at)


# Names as stored in the alarms; the names people read are in CLOCK_LABELS.
DISPATCH, ARRIVE, FEEDBACK, PROMISE = "dispatch", "arrive", "feedback", "promise"
CLOCK_LABELS = {
    DISPATCH: gettext_lazy("Dispatch to engineering"),
    ARRIVE: gettext_lazy("Technician on site"),
    FEEDBACK: gettext_lazy("Feedback to the desk"),
    PROMISE: gettext_lazy("Phone the resident with the promised time"),
}
# Clocks the desk must meet (the others are the technician's).
DESK_CLOCKS = {DISPATCH, PROMISE}


@dataclass
class _Context:
    people: Directory
    link: str
    users: dict[int, User]


class RepairClocks(ClockTable):
    name = "repair"
    model = RepairOrder
    clocks = (
        Clock(DISPATCH, "dispatch_due", "dispatched_at", "reported_at", rule=policy.DISPATCH),
        Clock(
            ARRIVE,
            "arrive_due",
            "arrived_at",
            "dispatched_at",
            rule=lambda o: policy.arrive_rule(o.urgency),
        ),
        Clock(FEEDBACK, "feedback_due", "feedback_at", "finished_at", rule=policy.FEEDBACK),
        Clock(
            PROMISE, "promise_due", "resident_phoned_at", "cannot_now_at", rule=policy.PROMISE_CALL
        ),
    )

    def live(self, case: RepairOrder) -> bool:
        return case.status != Status.CLOSED

    def company_id(self, case: RepairOrder) -> int | None:
        return case.estate.company_id

    def batch_queryset(self) -> QuerySet[RepairOrder]:
        return RepairOrder.objects.select_related("estate")

    def prepare(self, batch: Batch) -> _Context:
        ids = {o.reported_by_id for o in batch.cases}
        ids |= {o.technician_id for o in batch.cases if o.technician_id}
        people = Directory.load(
            estate_ids={o.estate_id for o in batch.cases},
            department_ids={o.department_id for o in batch.cases if o.department_id},
            roles=[Role.SUPERVISOR, *DESK_ROLES],
        )
        return _Context(
            people=people,
            link=reverse("repairs:mine"),
            users=User.objects.select_related("staff_profile").in_bulk(ids),
        )

    def fire(self, batch: Batch, case: RepairOrder, alarm: PlannedAlarm) -> None:
        if alarm.kind == Alarm.Kind.REMINDER:
            self._remind(batch, case, alarm)
        else:
            self._overdue(batch, case, alarm)

    # --- what each alarm does ---------------------------------------------------------

    def _tell(
        self,
        batch: Batch,
        o: RepairOrder,
        alarm: PlannedAlarm,
        subject: str,
        recipients: list[Any],
        *,
        kind: str,
        wecom: bool = False,
    ) -> None:
        ctx: _Context = batch.context
        once = list({u.pk: u for u in recipients if u is not None}.values())
        batch.tell(
            Message(
                key=f"repair:{o.pk}:{alarm.clock.name}:{alarm.kind}:{alarm.due.isoformat()}",
                subject=f"[{o.estate.name}] {o.number} {subject}",
                body=o.description[:200],
                link=ctx.link,
                recipients=once,
                wecom_webhook=o.estate.wecom_webhook if wecom else "",
                kind=kind,
                thread=f"repair:{o.pk}",
            )
        )

    def _desk(self, batch: Batch, o: RepairOrder) -> list[Any]:
        """The clerk who recorded it; the estate's desk when staff outside the desk
        reported it or that clerk no longer works here."""
        ctx: _Context = batch.context
        clerk = ctx.users.get(o.reported_by_id)
        profile = getattr(clerk, "staff_profile", None) if clerk is not None else None
        if (
            clerk is not None
            and clerk.is_active
            and profile is not None
            and profile.role in DESK_ROLES
            and profile.estate_id == o.estate_id
        ):
            return [clerk]
        return ctx.people.with_roles(o.estate_id, *DESK_ROLES)

    def _technician(self, batch: Batch, o: RepairOrder) -> list[Any]:
        """The technician on it; the engineering head while nobody has taken it."""
        ctx: _Context = batch.context
        tech = ctx.users.get(o.technician_id) if o.technician_id else None
        return [tech] if tech is not None else ctx.people.heads(o.department_id)

    def _remind(self, batch: Batch, o: RepairOrder, alarm: PlannedAlarm) -> None:
        if alarm.due <= batch.now:
            return  # caught up after the deadline: the overdue alarm says it all
        clock = alarm.clock.name
        who = self._desk(batch, o) if clock in DESK_CLOCKS else self._technician(batch, o)
        subject = _("due soon: %(clock)s") % {"clock": CLOCK_LABELS[clock]}
        self._tell(batch, o, alarm, subject, who, kind=Notification.Kind.DUE_SOON)

    def _overdue(self, batch: Batch, o: RepairOrder, alarm: PlannedAlarm) -> None:
        ctx: _Context = batch.context
        clock = alarm.clock.name
        batch.log(events.overdue(o, clock=clock, due=alarm.due, at=batch.now))
        # Late dispatch, arrival or feedback: the engineering head hears of it, with the
        # supervisors; and whoever had to act.
        heads = ctx.people.heads(o.department_id)
        supervisors = ctx.people.with_roles(o.estate_id, Role.SUPERVISOR)
        acting = self._desk(batch, o) if clock in DESK_CLOCKS else self._technician(batch, o)
        subject = _("overdue: %(clock)s") % {"clock": CLOCK_LABELS[clock]}
        wecom = clock == ARRIVE and o.urgency == Urgency.EMERGENCY
        self._tell(
            batch,
            o,
            alarm,
            subject,
            [*acting, *heads, *supervisors],
            kind=Notification.Kind.OVERDUE,
            wecom=wecom,
        )


TABLE = RepairClocks()
