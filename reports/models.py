"""The monthly statistics report (SPEC §7; 002 §8, 004 §4.2.9.3): by the 30th of each
month the supervisor gets the month's figures of the estate, writes the analysis and
the measures (分析与改进措施), and hands it to the office director, who signs it off.

The figures are stored as they were built (``data``, the shape of
``reports.monthly.build_report``): a later edit of a complaint never changes a stored
report. Building again (``regenerated``) is an event of the report's log, which says
which figures changed."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models import LogEntry
from staff.models import Department, Estate


class MonthlyReport(models.Model):
    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="monthly_reports"
    )
    # The first day of the month reported on.
    month = models.DateField(_("month"))
    data = models.JSONField(_("figures"), default=dict, encoder=DjangoJSONEncoder)
    built_at = models.DateTimeField(_("built at"))
    # None: built by the monthly job.
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("built by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    analysis = models.TextField(_("analysis and improvement measures (分析与改进措施)"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("monthly report (月度统计)")
        verbose_name_plural = _("monthly reports (月度统计)")
        ordering = ["-month", "estate_id"]
        constraints = [
            # Once per estate and month: the monthly job claims the month with it.
            models.UniqueConstraint(fields=["estate", "month"], name="monthly_report_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthly_report_first_day"),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(submitted_at__isnull=False),
                name="monthly_report_signed_after_submit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.month:%Y-%m}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class EventKind(models.TextChoices):
    BUILT = "built", _("Built (生成)")
    REGENERATED = "regenerated", _("Built again (重新生成)")
    SUBMITTED = "submitted", _("Submitted to the office director (提交)")
    SIGNED = "signed", _("Signed off (审核签字)")


class ReportEvent(LogEntry):
    """One line of a monthly report's log. Append-only (a database trigger)."""

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=12, choices=EventKind)

    class Meta(LogEntry.Meta):
        verbose_name = _("monthly report log entry")
        verbose_name_plural = _("monthly report log")
        indexes = [models.Index(fields=["report", "at"], name="report_event_at_idx")]

    def __str__(self) -> str:
        return f"{self.report_id} {self.get_kind_display()}"


class ComplaintMonth(models.Model):
    """How many complaints received in a month have each combination of the dimensions
    the monthly report counts, now. Written only by the database (``reports.counts``):
    never save one from Python."""

    estate = models.ForeignKey(
        Estate, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    month = models.DateField()
    grade = models.CharField(max_length=12)
    channel = models.CharField(max_length=20)
    category = models.CharField(max_length=32)
    department = models.ForeignKey(
        Department,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    in_scope = models.BooleanField()
    closure = models.CharField(max_length=16)
    repeat = models.BooleanField()
    escalated = models.BooleanField()
    n = models.IntegerField()

    class Meta:
        verbose_name = _("month's complaint count")
        verbose_name_plural = _("month's complaint counts")
        default_permissions = ()  # nobody edits it: the database keeps it
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "estate",
                    "month",
                    "grade",
                    "channel",
                    "category",
                    "department",
                    "in_scope",
                    "closure",
                    "repeat",
                    "escalated",
                ],
                name="complaint_month_once",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.month:%Y-%m} {self.n}"


def _kept(*dims: str, name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=list(dims), name=name, nulls_distinct=False)


class ClockMonth(models.Model):
    """Each counted clock of the complaints by the month of its deadline: those met or
    closed with their outcome (``counted``, ``late``), and ``pending`` (not met, still
    open). Written only by the database (``reports.counts``)."""

    estate = models.ForeignKey(
        Estate, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    clock = models.CharField(max_length=16)
    month = models.DateField()
    counted = models.IntegerField()
    late = models.IntegerField()
    pending = models.IntegerField()

    class Meta:
        verbose_name = _("month's clock count")
        verbose_name_plural = _("month's clock counts")
        default_permissions = ()
        constraints = [_kept("estate", "clock", "month", name="clock_month_once")]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.clock} {self.month:%Y-%m} {self.counted}"


class LadderMonth(models.Model):
    """The complaints naming a person (trimmed), by month of receipt and the department
    complained about. Written only by the database (``reports.counts``)."""

    estate = models.ForeignKey(
        Estate, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    month = models.DateField()
    person = models.CharField(max_length=100)
    department = models.ForeignKey(
        Department, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    n = models.IntegerField()

    class Meta:
        verbose_name = _("month's complaints about a person")
        verbose_name_plural = _("month's complaints about people")
        default_permissions = ()
        constraints = [_kept("estate", "month", "person", "department", name="ladder_month_once")]

    def __str__(self) -> str:
        return f"{self.person} {self.month:%Y-%m} {self.n}"
