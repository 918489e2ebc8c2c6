"""What every kind of case shares: the clock rules managers edit, the alarms that have
fired, and the abstract pieces a case model and its log are built from.

Nothing here knows a kind of case. A domain app names its rules (``casework.rules``),
declares its clocks (``casework.clocks``) and registers its clock table with the sweep
(``casework.sweep``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from staff.models import Estate


class Unit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")
    SAME_DAY = "same_day", _("the same day")


class ClockRule(models.Model):
    """One clock's numbers, editable by managers in the admin without a deploy.

    ``key`` is namespaced by the kind of case (``repair.dispatch``,
    ``repair.arrive_urgent``); the domain app that owns the key names it and gives its
    default (``casework.rules.RuleSpec``), so a row a manager deleted falls back to the
    seeds' numbers.
    """

    key = models.CharField(_("rule code"), max_length=64, unique=True, editable=False)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("time unit"), max_length=12, choices=Unit)
    remind_at_percent = models.PositiveSmallIntegerField(
        _("reminder, percent of the time"),
        default=75,
        help_text=_("A reminder goes out when this share of the time has passed; 0 = none."),
    )
    source = models.CharField(_("source in the manuals"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("clock rule")
        verbose_name_plural = _("clock rules")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class Alarm(models.Model):
    """An alarm of a clock that has fired: a reminder, or the deadline itself.

    One table for every kind of case, keyed by the clock table's name (``case_type``)
    and the case's id, so a report computes the on-time rate of any clock with one
    query and the sweep claims alarms of every kind with one statement shape. The unique
    constraint is what makes the sweep act once per alarm, whatever runs it twice or at
    the same time; a new deadline (after an extension or a regrade) is a new alarm.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        DUE = "due", _("Deadline reached")

    case_type = models.CharField(_("kind of case"), max_length=32)
    case_id = models.BigIntegerField(_("case"))
    clock = models.CharField(_("clock"), max_length=32)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    due_at = models.DateTimeField(_("deadline"))
    fired_at = models.DateTimeField(_("fired at"))

    class Meta:
        verbose_name = _("clock alarm")
        verbose_name_plural = _("clock alarms")
        constraints = [
            models.UniqueConstraint(
                fields=["case_type", "case_id", "clock", "kind", "due_at"],
                name="casework_alarm_once",
            )
        ]
        indexes = [
            # Reports: the alarms of one clock in a month (on-time rates).
            models.Index(fields=["case_type", "clock", "due_at"], name="casework_alarm_clock_idx")
        ]

    def __str__(self) -> str:
        return (
            f"{self.case_type}:{self.case_id} {self.clock} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"
        )


class CaseCounter(models.Model):
    """The last number given per estate and month to one kind of case (TS-202611-0007);
    ``casework.numbers.next_number`` takes the next one. The concrete model declares
    the (estate, month) unique constraint the upsert relies on."""

    estate = models.ForeignKey(Estate, on_delete=models.CASCADE)
    month = models.CharField(max_length=6)  # YYYYMM
    last = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.estate_id}/{self.month}: {self.last}"


class ClockedCase(models.Model):
    """A case with deadlines as columns (declared by the concrete model) and the two
    columns the engine keeps: the nearest deadline still to meet, and when the sweep
    must next look at the case."""

    # The nearest deadline still to meet: queues sort on it.
    next_due = models.DateTimeField(_("next deadline"), null=True, blank=True)
    # The earliest alarm not yet fired; NULL when nothing is pending.
    sweep_at = models.DateTimeField(_("next alarm"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        indexes = [
            # The sweep: WHERE sweep_at <= now ORDER BY sweep_at.
            models.Index(
                fields=["sweep_at"],
                condition=Q(sweep_at__isnull=False),
                name="%(class)s_sweep_idx",
            ),
        ]


class LogEntry(models.Model):
    """One line of a case's log. Append-only: ``save`` refuses to change a saved row,
    and the ``AppendOnly`` migration operation makes the database refuse UPDATE and
    DELETE on the concrete table."""

    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("The log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("The log is append-only.")
