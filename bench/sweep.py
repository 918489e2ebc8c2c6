"""The deadline sweep at a million complaints: nothing due, and 1,000 items due.

Runs inside one transaction that is rolled back at the end, so the seeded data is the
same for the next run (and no notification leaves: on_commit never fires).

- nothing due: the tables are vacuumed first (rolled-back runs leave dead index entries
  behind), then the sweep runs N times at a moment just before the earliest alarm, so
  nothing is due and no row had to be moved; beside it, the time of the raw SQL count of
  due items at the same moment (what the sweep cannot beat: one probe of the same
  partial index).
- 1,000 due: the 1,000 earliest due complaints get their alarm time back and one sweep
  handles them all (overdue events, escalations, notifications, deliveries); repeated
  inside savepoints that are rolled back.
"""

from __future__ import annotations

import statistics
import time

from django.db import connection, transaction
from django.utils import timezone


class _Rollback(Exception):
    pass


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def run(*, iterations: int = 30, due_runs: int = 3, due_items: int = 1000) -> dict:
    from casework.models import Alarm
    from casework.sweep import sweep as deadline_sweep
    from complaints.models import Complaint

    now = timezone.now()
    result: dict = {}
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM (ANALYZE) complaints_complaint")
        cursor.execute("VACUUM (ANALYZE) casework_alarm")
    first = Complaint.objects.filter(sweep_at__isnull=False).order_by("sweep_at").first()
    quiet = (first.sweep_at if first else now) - timezone.timedelta(seconds=1)
    try:
        with transaction.atomic():
            due = list(
                Complaint.objects.filter(sweep_at__lte=now)
                .order_by("sweep_at", "id")
                .values_list("id", "sweep_at")[:due_items]
            )
            nothing, raw = [], []
            for _ in range(iterations):
                t = time.perf_counter()
                stats = deadline_sweep(now=quiet)
                nothing.append(time.perf_counter() - t)
                assert stats["alarms"] == 0, stats
                t = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM complaints_complaint WHERE sweep_at <= %s", [quiet]
                    )
                    cursor.fetchone()
                raw.append(time.perf_counter() - t)
            # For the 1,000-due runs: everything else due now or within the hour moves a
            # day ahead, so only those 1,000 are due.
            moved = Complaint.objects.filter(
                sweep_at__lte=now + timezone.timedelta(hours=1)
            ).update(sweep_at=now + timezone.timedelta(days=1))
            result["due_in_data"] = moved
            result["nothing_due_median_ms"] = _ms(statistics.median(nothing))
            result["raw_sql_count_median_ms"] = _ms(statistics.median(raw))
            result["nothing_due_vs_raw"] = round(
                statistics.median(nothing) / statistics.median(raw), 1
            )

            runs = []
            for _ in range(due_runs):
                sid = transaction.savepoint()
                for pk, sweep_at in due:
                    Complaint.objects.filter(pk=pk).update(sweep_at=sweep_at)
                t = time.perf_counter()
                stats = deadline_sweep(budget_seconds=600)
                runs.append(time.perf_counter() - t)
                result["due_complaints"] = stats["by_table"]["complaint"]["cases"]
                result["due_alarms"] = stats["alarms"]
                result["alarm_rows"] = Alarm.objects.count()
                transaction.savepoint_rollback(sid)
            result["due_1000_median_ms"] = _ms(statistics.median(runs))
            result["per_item_ms"] = round(
                statistics.median(runs) * 1000 / max(result["due_complaints"], 1), 2
            )
            raise _Rollback
    except _Rollback:
        pass
    result["targets"] = {"nothing_due_ms": 5, "due_1000_ms": 1000}
    result["meets_targets"] = (
        result["nothing_due_median_ms"] <= 5 and result["due_1000_median_ms"] <= 1000
    )
    return result
