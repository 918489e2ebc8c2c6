"""The deadline sweep: acts on every registered clock table's alarms, exactly once.

Each case keeps its deadlines as columns and ``sweep_at``, its earliest alarm not yet
fired, under a partial index, so the sweep finds due work with one index range scan per
table and does nothing when nothing is due.

The sweep takes a batch of due cases with their rows locked (FOR UPDATE SKIP LOCKED:
two sweeps share the work) and handles it in one transaction. Firing alarms first
inserts ``Alarm`` rows with ON CONFLICT DO NOTHING RETURNING: the unique constraint
decides what is new, and only what the database returned is acted on, so a second
sweep, a retried task or a second beat acts zero times more. Then, in the same
transaction and in bulk: the log entries, the changed columns, the notifications
(unique too). A crash rolls the whole batch back and the next sweep does it again.
Celery messages only wake the sweep: after hours of downtime the next run finds every
missed alarm, earliest first. Tables take turns batch by batch, so a long catch-up of
one kind of case never starves another.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from staff.bulk import copy_into, staged
from staff.notify import Message, notify_many
from staff.services import heartbeat_record

from .clocks import AlarmKey, ClockTable, PlannedAlarm
from .models import LogEntry
from .rules import RuleBook, RuleBooks

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "deadline_sweep"
MAX_ROUNDS = 5
CLAIM_COLUMNS = [
    "case_id",
    "clock",
    "kind",
    "due_at",
]  # an alarm that changes the deadlines makes new ones due at once

_TABLES: dict[str, ClockTable] = {}


def register(table: ClockTable) -> None:
    """Called by a domain app's ``ready()``: the sweep looks at this table from now on."""
    known = _TABLES.get(table.name)
    if known is not None and type(known) is not type(table):
        raise ValueError(f"clock table {table.name!r} is registered twice")
    _TABLES[table.name] = table


def registered() -> list[ClockTable]:
    return list(_TABLES.values())


class SweepBatch:
    """One transaction's worth of due cases of one table, and what firing their alarms
    wrote: log entries, notifications, changed columns (written by ``_write``)."""

    def __init__(
        self, table: ClockTable, cases: list[Any], now: dt.datetime, books: RuleBooks
    ) -> None:
        self.table = table
        self.cases = cases
        self.now = now
        self.books = books
        self.entries: list[LogEntry] = []
        self.messages: list[Message] = []
        self.context: Any = None  # what the table's ``prepare`` loaded for the batch
        self.fired: dict[int, set[AlarmKey]] = table.fired(c.pk for c in cases)

    def book(self, case: Any) -> RuleBook:
        return self.books(self.table.company_id(case))

    def log(self, entry: LogEntry) -> None:
        self.entries.append(entry)

    def tell(self, message: Message) -> None:
        self.messages.append(message)

    def run(self) -> int:
        self.context = self.table.prepare(self)
        acted = 0
        todo = self.cases
        for _round in range(MAX_ROUNDS):
            wanted = [(c, a) for c in todo for a in self._due(c)]
            if not wanted:
                break
            claimed = self._claim(wanted)
            for c, alarm in wanted:
                self.fired[c.pk].add(alarm.key)
                if (c.pk, *alarm.key) in claimed:
                    self.table.fire(self, c, alarm)
                    acted += 1
            touched = {c.pk for c, _a in wanted}
            todo = [c for c in todo if c.pk in touched]
        self._write()
        return acted

    def _due(self, case: Any) -> list[PlannedAlarm]:
        fired = self.fired[case.pk]
        due = [
            a
            for a in self.table.alarms_of(case, self.book(case))
            if a.at <= self.now and a.key not in fired
        ]
        # An alarm that changes the deadlines goes alone: the others are worked out
        # again from the new deadlines in the next round, so a superseded one never fires.
        replanning = [a for a in due if a.clock.replans]
        return replanning[:1] or due

    def _claim(self, wanted: list[tuple[Any, PlannedAlarm]]) -> set[tuple]:
        """Insert the alarm rows; the database returns only the ones that are new."""
        rows = [(c.pk, a.clock.name, a.kind, a.due) for c, a in wanted]
        with staged("casework_alarm", CLAIM_COLUMNS, rows) as stage, connection.cursor() as c:
            c.execute(
                "INSERT INTO casework_alarm (case_type, case_id, clock, kind, due_at, fired_at) "  # noqa: S608 - names from code
                f"SELECT %s, case_id, clock, kind, due_at, %s FROM {stage} "
                "ON CONFLICT (case_type, case_id, clock, kind, due_at) DO NOTHING "
                "RETURNING case_id, clock, kind, due_at",
                [self.table.name, self.now],
            )
            return {tuple(r) for r in c.fetchall()}

    def _write(self) -> None:
        for c in self.cases:
            c.next_due = self.table.next_due(c)
            at = self.table.pending_at(c, self.book(c), self.fired[c.pk])
            # Never leave one due: a case that still had alarms after the last round is
            # looked at again in a minute rather than in a tight loop.
            c.sweep_at = self.now + dt.timedelta(minutes=1) if at and at <= self.now else at
        self.table.finish(self)
        by_model: dict[type[LogEntry], list[LogEntry]] = defaultdict(list)
        for entry in self.entries:
            by_model[type(entry)].append(entry)
        for model, entries in by_model.items():
            insert_rows(model, entries)
        update_columns(
            self.table.model, self.cases, ["sweep_at", "next_due", *self.table.swept_columns]
        )
        notify_many(self.messages)


def insert_rows(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Unsaved instances of ``model`` written by COPY (their ids are not read back)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    copy_into(
        model._meta.db_table,
        [f.column or f.name for f in fields],
        (
            tuple(f.get_db_prep_save(getattr(r, f.attname), connection) for f in fields)
            for r in rows
        ),
    )


def update_columns(model: type[models.Model], rows: Sequence[Any], names: Sequence[str]) -> None:
    """One UPDATE … FROM a staged copy of the new values, for many rows (Django's
    bulk_update builds a CASE per row and column: seconds of Python at this size)."""
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(n) for n in names]
    concrete = [f for f in fields if isinstance(f, models.Field)]
    assert len(concrete) == len(fields), "only concrete columns can be written"
    assert meta.pk is not None
    pk = meta.pk.column or "id"
    columns = [pk, *(f.column or f.name for f in concrete)]
    values = [
        (r.pk, *(f.get_db_prep_save(getattr(r, f.attname), connection) for f in concrete))
        for r in rows
    ]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns[1:])
    with staged(meta.db_table, columns, values) as stage, connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {sets} "  # noqa: S608 - names from the model's meta
            f"FROM {stage} AS v WHERE t.{quote(pk)} = v.{quote(pk)}"
        )


def _sweep_batch(table: ClockTable, now: dt.datetime, books: RuleBooks) -> tuple[int, int]:
    """One locked batch of ``table``: (cases taken, alarms acted on)."""
    with transaction.atomic():
        cases = list(
            table.batch_queryset()
            .select_for_update(skip_locked=True, of=("self",))
            .filter(sweep_at__lte=now)
            .order_by("sweep_at", "pk")[: settings.DEADLINE_SWEEP_BATCH]
        )
        return len(cases), SweepBatch(table, cases, now, books).run() if cases else 0


def sweep(*, now: dt.datetime | None = None, budget_seconds: float = 50) -> dict[str, Any]:
    """Handle every case whose next alarm is due, earliest first, in batches, each
    registered table in turn, until nothing is due or the time budget is spent."""
    now = now or timezone.now()
    started = time.monotonic()
    books = RuleBooks()
    by_table = {t.name: {"cases": 0, "alarms": 0} for t in registered()}
    active = [
        t for t in registered() if t.model._default_manager.filter(sweep_at__lte=now).exists()
    ]
    while active and time.monotonic() - started < budget_seconds:
        for table in list(active):
            taken, acted = _sweep_batch(table, now, books)
            by_table[table.name]["cases"] += taken
            by_table[table.name]["alarms"] += acted
            if taken < settings.DEADLINE_SWEEP_BATCH:
                active.remove(table)
    heartbeat_record(key=HEARTBEAT_KEY)
    stats: dict[str, Any] = {
        "cases": sum(s["cases"] for s in by_table.values()),
        "alarms": sum(s["alarms"] for s in by_table.values()),
        "by_table": by_table,
    }
    if stats["alarms"]:
        logger.info("deadline sweep: %(alarms)d alarms on %(cases)d cases", stats)
    return stats
