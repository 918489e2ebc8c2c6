"""The deadline sweep at a million complaints: nothing due, and 1,000 items due.

Runs inside one transaction that is rolled back at the end, so the seeded data is the
same for the next run (and no notification leaves: on_commit never fires).

- nothing due: every complaint whose alarm is due is moved a day ahead, then the sweep
  runs N times; beside it, the time of the raw SQL count of due items (what the sweep
  cannot beat: one probe of the same partial index).
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
    try:
        with transaction.atomic():
            due = list(
                Complaint.objects.filter(sweep_at__lte=now)
                .order_by("sweep_at", "id")
                .values_list("id", "sweep_at")[:due_items]
            )
            # Everything due now or within the hour moves a day ahead, so nothing falls
            # due while the "nothing due" runs are timed.
            moved = Complaint.objects.filter(
                sweep_at__lte=now + timezone.timedelta(hours=1)
            ).update(sweep_at=now + timezone.timedelta(days=1))
            result["due_in_data"] = moved

            nothing, raw = [], []
            for _ in range(iterations):
                t = time.perf_counter()
                stats = deadline_sweep()
                nothing.append(time.perf_counter() - t)
                assert stats["alarms"] == 0, stats
                t = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM complaints_complaint WHERE sweep_at <= %s",
                        [timezone.now()],
                    )
                    cursor.fetchone()
                raw.append(time.perf_counter() - t)
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
    result["targets"] = {
        "nothing_due_ms": 50,
        "nothing_due_vs_raw": 3,
        "due_1000_ms": 2000,
    }
    result["meets_targets"] = (
        result["nothing_due_median_ms"] <= 50
        and result["nothing_due_vs_raw"] <= 3
        and result["due_1000_median_ms"] <= 2000
    )
    return result
