"""The callback's clock for the deadline sweep: remind the desk before, tell the
supervisors when it runs out."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.clocks import Batch, Clock, ClockTable, PlannedAlarm
from casework.models import Alarm
from staff.models import Notification
from staff.notify import Message
from staff.roles import DESK_ROLES, Role
from staff.selectors import Directory

from . import events, policy
from .models import Callback, Status

CALLBACK = "callback"
CLOCK_LABELS = {CALLBACK: gettext_lazy("Call the resident back")}


@dataclass
class _Context:
    people: Directory
    link: str


class CallbackClocks(ClockTable):
    name = "callback"
    model = Callback
    clocks = (Clock(CALLBACK, "callback_due", "done_at", "opened_at", rule=policy.DUE),)

    def live(self, case: Callback) -> bool:
        return case.status == Status.DUE

    def company_id(self, case: Callback) -> int | None:
        return case.estate.company_id

    def batch_queryset(self) -> QuerySet[Callback]:
        return Callback.objects.select_related("estate")

    def prepare(self, batch: Batch) -> _Context:
        people = Directory.load(
            estate_ids={cb.estate_id for cb in batch.cases},
            roles=[Role.SUPERVISOR, *DESK_ROLES],
        )
        return _Context(people=people, link=reverse("callbacks:list"))

    def fire(self, batch: Batch, case: Callback, alarm: PlannedAlarm) -> None:
        ctx: _Context = batch.context
        if alarm.kind == Alarm.Kind.REMINDER:
            if alarm.due <= batch.now:
                return  # caught up after the deadline: the overdue alarm says it all
            who = [
                u
                for r in DESK_ROLES
                if r != Role.SUPERVISOR
                for u in ctx.people.with_roles(case.estate_id, r)
            ]
            subject = _("due soon: the callback of %(case)s") % {"case": case}
            kind = Notification.Kind.DUE_SOON
        else:
            batch.log(events.overdue(case, due=alarm.due, at=batch.now))
            who = ctx.people.with_roles(case.estate_id, Role.SUPERVISOR)
            subject = _("overdue: the callback of %(case)s") % {"case": case}
            kind = Notification.Kind.OVERDUE
        batch.tell(
            Message(
                key=f"callback:{case.pk}:{alarm.kind}:{alarm.due.isoformat()}",
                subject=f"[{case.estate.name}] {subject}",
                body="",
                link=ctx.link,
                recipients=list({u.pk: u for u in who}.values()),
                kind=kind,
                thread=f"callback:{case.pk}",
            )
        )


TABLE = CallbackClocks()
