"""What the monthly report's charts draw beside its tables: the twelve months' trend of
complaints by grade (from the counts the database keeps, ``reports.counts``), and each
department's on-time resolution in the month. Two grouped queries; the grade and category
mixes come from the report itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from complaints.models import Complaint, Grade

from .models import ComplaintMonth


def _month_start(day: dt.date, back: int) -> dt.date:
    """The first day of the month ``back`` months before ``day``'s."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def trend(estate_ids: Iterable[int], month_start: dt.date) -> dict[str, Any]:
    """Complaints received per month by grade, the twelve months ending with
    ``month_start``'s."""
    months = [_month_start(month_start, back) for back in range(11, -1, -1)]
    rows = (
        ComplaintMonth.objects.filter(
            estate_id__in=list(estate_ids), month__gte=months[0], month__lte=months[-1]
        )
        .values("month", "grade")
        .annotate(n=Sum("n"))
        .order_by()
    )
    counts = {(r["month"], r["grade"]): r["n"] for r in rows}
    return {
        "months": [f"{m:%Y-%m}" for m in months],
        "series": [
            {"name": str(label), "data": [counts.get((m, grade), 0) for m in months]}
            for grade, label in Grade.choices
        ],
    }


def department_on_time(estate_ids: Iterable[int], month_start: dt.date) -> list[dict[str, Any]]:
    """Per department, of the complaints whose resolution fell due in the month: the
    share handled by the deadline (a percentage), and how many fell due."""
    start, end = _aware(month_start), _aware(_month_start(month_start, -1))
    now = timezone.now()
    rows = (
        Complaint.objects.filter(
            estate_id__in=list(estate_ids),
            resolve_due__gte=start,
            resolve_due__lt=min(end, now),
            department__isnull=False,
        )
        .values("department__name", "department__estate__name")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=Q(handled_at__lte=F("resolve_due"))),
        )
        .order_by("department__estate__name", "department__name")
    )
    several = len(set(estate_ids)) > 1
    return [
        {
            "name": (
                f"{r['department__estate__name']} {r['department__name']}"
                if several
                else r["department__name"]
            ),
            "due": r["due"],
            "rate": round(100 * r["on_time"] / r["due"], 1),
        }
        for r in rows
    ]


def mix(report: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """The rows of the report whose key starts with ``prefix`` (``grade.``,
    ``category.``) as a chart's name/value pairs, zeros left out."""
    return [
        {"name": row["label"], "value": row["value"]}
        for section in report.get("sections", [])
        for row in section.get("rows", [])
        if str(row.get("key", "")).startswith(prefix) and row.get("value")
    ]


def charts(report: dict[str, Any], estate_ids: Iterable[int], month_start: dt.date) -> dict:
    """Everything the report page's charts draw, as one JSON document."""
    ids = list(estate_ids)
    return {
        "trend": trend(ids, month_start),
        "grade": mix(report, "grade."),
        "category": mix(report, "category."),
        "departments": department_on_time(ids, month_start),
    }
