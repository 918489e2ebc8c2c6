"""The throwaway table's clocks: answer in 10 minutes (reminder at 75 %), finish in
2 working days (reminder at 50 %), and a "bump" that moves the finish deadline."""

import datetime as dt

from casework.clocks import Batch, Clock, ClockTable, PlannedAlarm
from casework.models import Unit
from casework.rules import Rule, RuleSpec, register_rules

from .models import Ticket, TicketEntry

ANSWER, FINISH = "test.answer", "test.finish"
register_rules(
    RuleSpec(ANSWER, "测试：答复", Rule(10, Unit.MINUTES, 75), "测试"),
    RuleSpec(FINISH, "测试：完成", Rule(2, Unit.WORKING_DAYS, 50), "测试"),
)


class TicketClocks(ClockTable):
    name = "test_ticket"
    model = Ticket
    clocks = (
        Clock("answer", "answer_due", "answered_at", "opened_at", rule=ANSWER),
        Clock("finish", "finish_due", "finished_at", "opened_at", rule=FINISH),
        Clock("bump", "bump_due", "bumped_at", "opened_at", replans=True),
    )
    swept_columns = ("bumped_at", "finish_due")

    def live(self, case: Ticket) -> bool:
        return not case.closed

    def company_id(self, case: Ticket) -> int | None:
        return case.company_id

    def prepare(self, batch: Batch) -> list:
        return []  # the order alarms fired in, for the tests

    def fire(self, batch: Batch, case: Ticket, alarm: PlannedAlarm) -> None:
        batch.context.append((case.pk, alarm.clock.name, alarm.kind))
        batch.log(
            TicketEntry(
                ticket=case,
                kind=f"{alarm.clock.name}:{alarm.kind}",
                at=batch.now,
                data={"due": alarm.due.isoformat()},
            )
        )
        if alarm.clock.name == "bump" and alarm.kind == "due":
            case.bumped_at = batch.now
            case.finish_due = batch.now + dt.timedelta(hours=1)


TABLE = TicketClocks()
