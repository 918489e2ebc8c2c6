"""Clocks as columns: what a kind of case declares so the engine can keep its
deadlines.

A clock table names, for each clock of a kind of case, the column of its deadline, the
column set when it is met, the column it started from (for a reminder at a share of
the time) and the rule whose reminder share applies. From that one table come the
case's nearest deadline (``next_due``, what queues sort on), its alarms (a reminder and
the deadline itself) and the moment the sweep must next look at it (``sweep_at``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from django.db.models import QuerySet

from staff.notify import Message

from .models import Alarm, ClockedCase, LogEntry
from .rules import RuleBook

AlarmKey = tuple[str, str, dt.datetime]  # clock, kind, due


@dataclass(frozen=True)
class Clock:
    name: str  # as stored in Alarm.clock
    due: str  # the column holding the deadline
    done: str  # the column set when the clock is met
    start: str  # the column the clock started from (the reminder is a share of the time)
    # The rule key whose reminder share applies, or a function of the case giving it;
    # None: no reminder.
    rule: str | Callable[[Any], str | None] | None = None
    # Firing this alarm changes the case's deadlines (an upgrade): when it is due it
    # fires alone, and the case's other alarms are worked out again from the new ones.
    replans: bool = False

    def rule_of(self, case: Any) -> str | None:
        return self.rule(case) if callable(self.rule) else self.rule


@dataclass(frozen=True)
class PlannedAlarm:
    clock: Clock
    kind: str  # Alarm.Kind
    at: dt.datetime  # when it fires
    due: dt.datetime  # the deadline it belongs to

    @property
    def key(self) -> AlarmKey:
        return (self.clock.name, self.kind, self.due)


class Batch(Protocol):
    """What a clock table's ``fire`` may use of the sweep batch it runs in."""

    cases: list[Any]  # the batch's cases, locked
    now: dt.datetime  # the sweep's moment
    context: Any  # whatever ``prepare`` returned

    def book(self, case: Any) -> RuleBook: ...

    def log(self, entry: LogEntry) -> None:
        """A log entry, written in bulk with the batch."""

    def tell(self, message: Message) -> None:
        """A notification, sent in bulk with the batch (unique by its key)."""


class ClockTable:
    """A kind of case as the engine sees it. Subclass it in the domain app, fill the
    class attributes and ``fire``, and register an instance with
    ``casework.sweep.register``."""

    name: ClassVar[str]  # stored in Alarm.case_type; never change it once alarms exist
    model: ClassVar[type[ClockedCase]]
    clocks: ClassVar[tuple[Clock, ...]]
    # Columns ``fire`` may change besides next_due and sweep_at; the batch writes them.
    swept_columns: ClassVar[tuple[str, ...]] = ()

    def live(self, case: Any) -> bool:
        """False when the case has no clock running at all (e.g. closed)."""
        return True

    def company_id(self, case: Any) -> int | None:
        """Whose business calendar the case's clocks count in."""
        raise NotImplementedError

    def batch_queryset(self) -> QuerySet:
        """The rows of a sweep batch, with what ``fire`` reads joined in."""
        return self.model._default_manager.all()

    def prepare(self, batch: Batch) -> Any:
        """Load what firing needs for the whole batch (who to tell), once; the batch
        keeps it as ``batch.context``."""
        return None

    def fire(self, batch: Batch, case: Any, alarm: PlannedAlarm) -> None:
        """Act on one alarm the database has just claimed: write to ``batch``."""
        raise NotImplementedError

    def finish(self, batch: Batch) -> None:
        """After the last alarm of the batch: bulk writes ``fire`` put off."""

    # --- derived from the clocks -----------------------------------------------------

    def running(self, case: Any) -> Iterable[tuple[Clock, dt.datetime]]:
        """The clocks still to meet, with their deadlines."""
        if not self.live(case):
            return
        for clock in self.clocks:
            due = getattr(case, clock.due)
            if due is not None and not getattr(case, clock.done):
                yield clock, due

    def next_due(self, case: Any) -> dt.datetime | None:
        """The nearest deadline the case still has to meet."""
        return min((due for _clock, due in self.running(case)), default=None)

    def alarms_of(self, case: Any, book: RuleBook) -> list[PlannedAlarm]:
        alarms = []
        for clock, due in self.running(case):
            alarms.append(PlannedAlarm(clock, Alarm.Kind.DUE, due, due))
            rule = clock.rule_of(case)
            percent = book.reminder_percent(rule) if rule else 0
            start = getattr(case, clock.start)
            if percent and start and start < due:
                at = start + (due - start) * percent / 100
                alarms.append(PlannedAlarm(clock, Alarm.Kind.REMINDER, at, due))
        return sorted(alarms, key=lambda a: a.at)

    def pending_at(self, case: Any, book: RuleBook, fired: set[AlarmKey]) -> dt.datetime | None:
        """The earliest alarm of the case not yet fired."""
        return min((a.at for a in self.alarms_of(case, book) if a.key not in fired), default=None)

    def fired(self, case_ids: Iterable[int]) -> dict[int, set[AlarmKey]]:
        fired: dict[int, set[AlarmKey]] = defaultdict(set)
        rows = Alarm.objects.filter(case_type=self.name, case_id__in=list(case_ids))
        for case_id, clock, kind, due in rows.values_list("case_id", "clock", "kind", "due_at"):
            fired[case_id].add((clock, kind, due))
        return fired

    def refresh(self, case: Any, book: RuleBook) -> list[str]:
        """Set ``next_due`` and ``sweep_at`` after a change of the case's clocks;
        returns the two field names for ``save(update_fields=…)``."""
        case.next_due = self.next_due(case)
        fired = self.fired([case.pk])[case.pk] if case.pk else set()
        case.sweep_at = self.pending_at(case, book, fired)
        return ["next_due", "sweep_at"]
