"""The request's answer clock for the deadline sweep: a written inquiry is reminded to
the desk before its two days run out; any answer overdue is told to the supervisors and
to the request's owner (首问责任人)."""

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
from staff.roles import Role
from staff.selectors import Directory

from . import events, policy
from .models import Request, Status

ANSWER = "answer"
CLOCK_LABELS = {ANSWER: gettext_lazy("Answer the resident")}


def _rule(r: Request) -> str:
    return policy.WRITTEN if r.written else policy.REFERRED


@dataclass
class _Context:
    people: Directory


class RequestClocks(ClockTable):
    name = "request"
    model = Request
    clocks = (Clock(ANSWER, "answer_due", "answered_at", "answer_from", rule=_rule),)

    def live(self, case: Request) -> bool:
        return case.status == Status.OPEN

    def company_id(self, case: Request) -> int | None:
        return case.estate.company_id

    def batch_queryset(self) -> QuerySet[Request]:
        return Request.objects.select_related("estate", "received_by")

    def prepare(self, batch: Batch) -> _Context:
        people = Directory.load(
            estate_ids={r.estate_id for r in batch.cases}, roles=[Role.SUPERVISOR]
        )
        return _Context(people=people)

    def fire(self, batch: Batch, case: Request, alarm: PlannedAlarm) -> None:
        ctx: _Context = batch.context
        if alarm.kind == Alarm.Kind.REMINDER:
            if alarm.due <= batch.now:
                return  # caught up after the deadline: the overdue alarm says it all
            who = [case.received_by]
            subject = _("due soon: the answer to %(case)s") % {"case": case}
            kind = Notification.Kind.DUE_SOON
        else:
            batch.log(events.overdue(case, due=alarm.due, at=batch.now))
            who = [*ctx.people.with_roles(case.estate_id, Role.SUPERVISOR), case.received_by]
            subject = _("overdue: the answer to %(case)s") % {"case": case}
            kind = Notification.Kind.OVERDUE
        batch.tell(
            Message(
                key=f"request:{case.pk}:{alarm.kind}:{alarm.due.isoformat()}",
                subject=f"[{case.estate.name}] {subject}",
                body="",
                link=reverse("helpdesk:detail", args=[case.pk]),
                recipients=list({u.pk: u for u in who}.values()),
                kind=kind,
                thread=f"request:{case.pk}",
            )
        )


TABLE = RequestClocks()
