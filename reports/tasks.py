"""The monthly job: on the 30th (the last day of a shorter month) each estate's report
of the month is built and stored (SPEC §7: "by the 30th of each month")."""

from __future__ import annotations

import calendar
import datetime as dt
import logging

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from staff.models import Estate

from .services import report_build

logger = logging.getLogger(__name__)

REPORT_DAY = 30


def is_report_day(day: dt.date) -> bool:
    """The 30th, or the last day of a month shorter than 30 days (February)."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == min(REPORT_DAY, last)


def build_monthly_reports(today: dt.date | None = None) -> list[int]:
    """Build the month's report of every estate that has none yet; the ids built. Each
    estate in its own transaction (the service's): one estate failing keeps none of the
    others from their report, and a second run builds nothing twice."""
    today = today or timezone.localdate()
    if not is_report_day(today):
        return []
    month = today.replace(day=1)
    built = []
    for estate_id in Estate.objects.order_by("pk").values_list("pk", flat=True):
        report = report_build(estate_id=estate_id, month=month)
        if report is not None:
            built.append(report.pk)
    return built


@shared_task(
    name="reports.tasks.build_monthly_reports",
    ignore_result=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    max_retries=5,
)
def build_monthly_reports_task() -> None:
    """Beat wakes this at 18:00 on days 28-31; only the report day does anything."""
    built = build_monthly_reports()
    if built:
        logger.info("monthly reports built: %s", len(built))
