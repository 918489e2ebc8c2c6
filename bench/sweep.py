"""The deadline sweep at a million complaints, 200,000 repair orders and their callbacks:
nothing due (over every kind of case), and 1,000 complaints due.

Every sweep runs inside a transaction that is rolled back, so the seeded data is the
same for the next run (and no notification leaves: on_commit never fires).

- nothing due: the tables are vacuumed first (rolled-back runs leave dead index entries
  behind), then the sweep runs N times at a moment just before the earliest alarm of
  either kind, so nothing is due and no row had to be moved; beside it, the time of the
  raw SQL count of due items of both tables at the same moment (what the sweep cannot
  beat: one probe of each partial index).
- 1,000 due: the 1,000 earliest due complaints stay due; every other complaint and
  every repair order due within the hour is moved a day ahead in a committed
  transaction and vacuumed, so the index holds no dead entries a production sweep would
  never see; one sweep handles the 1,000 (overdue events, escalations, notifications,
  deliveries), repeated inside savepoints that are rolled back; then the moved ones are
  moved back.
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


def _vacuum() -> None:
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        # The rolled-back runs leave dead rows in every table the sweep writes.
        for table in (
            "complaints_complaint",
            "repairs_repairorder",
            "casework_alarm",
            "complaints_complaintevent",
            "repairs_repairorderevent",
            "callbacks_callback",
            "callbacks_callbackevent",
            "staff_notification",
            "staff_delivery",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def run(*, iterations: int = 30, due_runs: int = 3, due_items: int = 1000) -> dict:
    from callbacks.models import Callback
    from casework.models import Alarm
    from casework.sweep import registered, update_columns
    from casework.sweep import sweep as deadline_sweep
    from complaints.models import Complaint
    from repairs.models import RepairOrder

    # The other kinds of case: kept out of the 1,000-due runs, counted in "nothing due".
    others = (RepairOrder, Callback)

    now = timezone.now()
    result: dict = {}
    _vacuum()
    firsts = [
        at
        for model in (Complaint, *others)
        for at in model.objects.filter(sweep_at__isnull=False)
        .order_by("sweep_at")
        .values_list("sweep_at", flat=True)[:1]
    ]
    quiet = min(firsts, default=now) - timezone.timedelta(seconds=1)
    result["kinds_of_case"] = sorted(t.name for t in registered())
    try:
        with transaction.atomic():
            nothing, raw = [], []
            for _ in range(iterations):
                t = time.perf_counter()
                stats = deadline_sweep(now=quiet)
                nothing.append(time.perf_counter() - t)
                assert stats["alarms"] == 0, stats
                t = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT (SELECT count(*) FROM complaints_complaint WHERE sweep_at <= %s)"
                        " + (SELECT count(*) FROM repairs_repairorder WHERE sweep_at <= %s)"
                        " + (SELECT count(*) FROM callbacks_callback WHERE sweep_at <= %s)",
                        [quiet, quiet, quiet],
                    )
                    cursor.fetchone()
                raw.append(time.perf_counter() - t)
            raise _Rollback
    except _Rollback:
        pass
    result["nothing_due_median_ms"] = _ms(statistics.median(nothing))
    result["raw_sql_count_median_ms"] = _ms(statistics.median(raw))
    result["nothing_due_vs_raw"] = round(statistics.median(nothing) / statistics.median(raw), 1)

    # For the 1,000-due runs only the 1,000 earliest may be due: everything else due now
    # or within the hour moves a day ahead, committed and vacuumed (inside the runs'
    # transaction the moved rows' old index entries would be rescanned by every batch
    # query, which no production sweep sees), and is moved back afterwards.
    due = list(
        Complaint.objects.filter(sweep_at__lte=now)
        .order_by("sweep_at", "id")
        .values_list("id", flat=True)[:due_items]
    )
    soon = now + timezone.timedelta(hours=1)
    moved = list(
        Complaint.objects.filter(sweep_at__lte=soon)
        .exclude(pk__in=due)
        .values_list("id", "sweep_at")
    )
    moved_others = {
        model: list(model.objects.filter(sweep_at__lte=soon).values_list("id", "sweep_at"))
        for model in others
    }
    result["due_in_data"] = len(due) + len(moved)
    result["repair_orders_due_in_data"] = len(moved_others[RepairOrder])
    result["callbacks_due_in_data"] = len(moved_others[Callback])
    Complaint.objects.filter(pk__in=[pk for pk, _at in moved]).update(
        sweep_at=now + timezone.timedelta(days=1)
    )
    for model, rows in moved_others.items():
        model.objects.filter(pk__in=[pk for pk, _at in rows]).update(
            sweep_at=now + timezone.timedelta(days=1)
        )
    try:
        _vacuum()
        runs = []
        with transaction.atomic():
            for _ in range(due_runs):
                sid = transaction.savepoint()
                t = time.perf_counter()
                stats = deadline_sweep(now=now, budget_seconds=600)
                runs.append(time.perf_counter() - t)
                result["due_complaints"] = stats["by_table"]["complaint"]["cases"]
                result["due_alarms"] = stats["alarms"]
                result["alarm_rows"] = Alarm.objects.count()
                transaction.savepoint_rollback(sid)
    finally:
        update_columns(Complaint, [Complaint(pk=pk, sweep_at=at) for pk, at in moved], ["sweep_at"])
        for model, rows in moved_others.items():
            update_columns(model, [model(pk=pk, sweep_at=at) for pk, at in rows], ["sweep_at"])
        _vacuum()
    result["due_1000_runs_ms"] = [_ms(r) for r in runs]
    result["due_1000_median_ms"] = _ms(statistics.median(runs))
    result["per_item_ms"] = round(
        statistics.median(runs) * 1000 / max(result["due_complaints"], 1), 2
    )
    result["targets"] = {"nothing_due_ms": 5, "due_1000_ms": 1000}
    result["meets_targets"] = (
        result["nothing_due_median_ms"] <= 5 and result["due_1000_median_ms"] <= 1000
    )
    return result
