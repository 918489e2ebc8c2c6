"""The monthly report at scale (SPEC §7): one estate's month, and the company's year
(every estate, twelve months), against the issue's targets: ≤ 300 ms, ≤ 2 s, and the
process's peak memory ≤ 150 MB. Timed on ``reports.monthly.build_report`` and the charts'
``reports.trend.charts`` (what the beat job stores), not on a page."""

from __future__ import annotations

import datetime as dt
import resource
import statistics
import time
import tracemalloc

TARGETS = {"estate_month_ms": 300, "company_year_ms": 2000, "peak_rss_mb": 150}


def _months_back(month: dt.date, n: int) -> list[dt.date]:
    out = []
    for back in range(n - 1, -1, -1):
        index = month.year * 12 + month.month - 1 - back
        out.append(dt.date(index // 12, index % 12 + 1, 1))
    return out


def run(*, iterations: int = 3) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from reports.monthly import build_report
    from reports.trend import charts
    from staff.models import Estate

    ids = dict(Estate.objects.values_list("code", "id"))
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    def estate_month() -> None:
        report = build_report([ids["CH"]], last_month)
        charts(report, [ids["CH"]], last_month)

    def company_year() -> None:
        for month in _months_back(last_month, 12):
            build_report(list(ids.values()), month)

    result: dict = {}
    estate_month()  # warm up
    with CaptureQueriesContext(connection) as ctx:
        estate_month()
    result["estate_month_queries"] = len(ctx.captured_queries)
    slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))
    result["estate_month_slowest_ms"] = round(float(slowest["time"]) * 1000, 1)
    result["estate_month_slowest_sql"] = slowest["sql"][:500]
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        estate_month()
        times.append((time.perf_counter() - t0) * 1000)
    result["estate_month_ms"] = round(statistics.median(times), 1)
    # Memory traced on a run of its own: tracing slows Python down.
    tracemalloc.start()
    estate_month()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result["estate_month_python_peak_mb"] = round(peak / 1024 / 1024, 1)
    t0 = time.perf_counter()
    company_year()
    result["company_year_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["targets"] = TARGETS
    result["meets_targets"] = all(result[k] <= v for k, v in TARGETS.items())
    return result
