"""Callbacks (回访, SPEC §6; 003 §5 and §8; 004 §4.2.6): every handled complaint and every
finished repair order is called back. The third kind of case on the shared clock engine
(``casework``); one public letter (公开信) may answer several of them at once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models import ClockedCase, LogEntry
from staff.models import Department, Estate


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint (投诉回访)")
    REPAIR = "repair", _("Repair (维修回访)")


class Status(models.TextChoices):
    DUE = "due", _("To call back (待回访)")
    DONE = "done", _("Called back (已回访)")
    UNREACHABLE = "unreachable", _("Unreachable (无法联系)")
    NOT_NEEDED = "not_needed", _("Not needed (无需回访)")


class Method(models.TextChoices):
    PHONE = "phone", _("Phone (电话)")
    VISIT = "visit", _("Visit (上门)")
    LETTER = "letter", _("Letter (书面)")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASIC = "basic", _("Basically satisfied (基本满意)")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied (不满意)")


class PublicLetter(models.Model):
    """One letter answering several residents with the same matter (公开信): written once,
    kept, printable; it closes each callback it answers."""

    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="public_letters"
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("letter"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    written_at = models.DateTimeField(_("written at"))

    class Meta:
        verbose_name = _("public letter (公开信)")
        verbose_name_plural = _("public letters (公开信)")
        ordering = ["-written_at"]

    def __str__(self) -> str:
        return self.title


class Callback(ClockedCase):
    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="callbacks"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
    )
    repair_order = models.ForeignKey(
        "repairs.RepairOrder",
        verbose_name=_("repair order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
    )
    # The department that did the work: the rates are per department.
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
    )
    # When it fell due to the desk: the complaint's close; for a repair, the end of the
    # Friday engineering hands in the week's finished orders (003 §5.7), whose callbacks
    # the desk makes the week after (week_of: that Friday).
    opened_at = models.DateTimeField(_("due from"))
    week_of = models.DateField(_("handed in on"), null=True, blank=True)
    callback_due = models.DateTimeField(_("call back by"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DUE)
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    last_tried_at = models.DateTimeField(_("last tried at"), null=True, blank=True)

    # The callback itself (004 §4.2.6)
    method = models.CharField(_("method"), max_length=8, choices=Method, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=14, choices=Satisfaction, blank=True
    )
    attitude = models.CharField(
        _("service attitude"), max_length=14, choices=Satisfaction, blank=True
    )
    speed = models.CharField(_("speed"), max_length=14, choices=Satisfaction, blank=True)
    quality = models.CharField(_("quality"), max_length=14, choices=Satisfaction, blank=True)
    words = models.TextField(_("what the resident said"), blank=True)
    signature = models.BinaryField(_("resident's signature (visit)"), null=True, editable=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called back by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    letter = models.ForeignKey(
        PublicLetter,
        verbose_name=_("public letter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="callbacks",
    )

    class Meta:
        verbose_name = _("callback (回访)")
        verbose_name_plural = _("callbacks (回访)")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="complaint", complaint__isnull=False, repair_order__isnull=True)
                    | Q(kind="repair", repair_order__isnull=False, complaint__isnull=True)
                ),
                name="callback_one_case",
            ),
            # One callback waits per case at a time (a reopened complaint, closed again,
            # gets a new one after the first was done).
            models.UniqueConstraint(
                fields=["complaint"], condition=Q(status="due"), name="callback_one_due_complaint"
            ),
            models.UniqueConstraint(
                fields=["repair_order"], condition=Q(status="due"), name="callback_one_due_repair"
            ),
        ]
        indexes = [
            *ClockedCase.Meta.indexes,
            # The desk's list: the estate's due callbacks, oldest deadline first (many
            # share one end-of-day deadline: the id settles the order in the index),
            # and the same of one kind.
            models.Index(
                fields=["estate", "callback_due", "id"],
                condition=Q(status="due"),
                name="callback_due_list_idx",
            ),
            models.Index(
                fields=["estate", "kind", "callback_due", "id"],
                condition=Q(status="due"),
                name="callback_due_kind_idx",
            ),
            # The repair hand-in weeks beside the list: done and due per week.
            models.Index(
                fields=["estate", "week_of"],
                include=["status"],
                condition=Q(kind="repair"),
                name="callback_week_idx",
            ),
            models.Index(fields=["estate", "opened_at"], name="callback_estate_opened_idx"),
            # The month's rates: the callbacks of a month still due past their deadline.
            models.Index(
                fields=["estate", "opened_at"],
                include=["callback_due", "department", "kind", "satisfaction", "method"],
                condition=Q(status="due"),
                name="callback_overdue_idx",
            ),
        ]

    def __str__(self) -> str:
        case = self.complaint if self.complaint_id else self.repair_order
        return f"{case}"

    @property
    def case(self):
        return self.complaint if self.kind == Kind.COMPLAINT else self.repair_order

    @property
    def is_due(self) -> bool:
        return self.status == Status.DUE


class EventKind(models.TextChoices):
    OPENED = "opened", _("Due for a callback (待回访)")
    NOT_NEEDED = "not_needed", _("No callback needed (无需回访)")
    NOT_REACHED = "not_reached", _("Not reached (未联系上)")
    UNREACHABLE = "unreachable", _("Unreachable (无法联系)")
    DONE = "done", _("Called back (已回访)")
    LETTER = "letter", _("Answered by public letter (公开信)")
    REOPENED = "reopened", _("Not satisfied: complaint reopened (重新处理)")
    REWORK = "rework", _("Not satisfied: rework ordered (返工)")
    ESCALATED = "escalated", _("Raised again: told the office director (上报)")
    OVERDUE = "overdue", _("Overdue (超时)")


class CallbackEvent(LogEntry):
    """One line of a callback's log. Append-only (a database trigger)."""

    callback = models.ForeignKey(
        Callback, verbose_name=_("callback"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=12, choices=EventKind)

    class Meta(LogEntry.Meta):
        verbose_name = _("callback log entry")
        verbose_name_plural = _("callback log")
        indexes = [models.Index(fields=["callback", "at"], name="callback_event_at_idx")]

    def __str__(self) -> str:
        return f"{self.callback_id} {self.get_kind_display()}"


class CallbackMonth(models.Model):
    """The callbacks by the month they fell due in and what the rates tell apart.
    Written only by the database (``casework.tallies``)."""

    estate = models.ForeignKey(
        Estate, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    month = models.DateField()
    department = models.ForeignKey(
        Department, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    kind = models.CharField(max_length=10)
    status = models.CharField(max_length=12)
    satisfaction = models.CharField(max_length=16)
    method = models.CharField(max_length=8)
    n = models.IntegerField()

    class Meta:
        verbose_name = _("month's callback count")
        verbose_name_plural = _("month's callback counts")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "estate",
                    "month",
                    "department",
                    "kind",
                    "status",
                    "satisfaction",
                    "method",
                ],
                name="callback_month_once",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.month:%Y-%m} {self.n}"


class CallbackWeek(models.Model):
    """The repair callbacks by the week engineering handed the orders in (``week_of``)
    and where they stand: the hand-in weeks beside the desk's list read a few rows here
    rather than every callback of the weeks. Written only by the database
    (``casework.tallies``)."""

    estate = models.ForeignKey(
        Estate, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    week_of = models.DateField()
    status = models.CharField(max_length=12)
    n = models.IntegerField()

    class Meta:
        verbose_name = _("week's repair callback count")
        verbose_name_plural = _("week's repair callback counts")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "week_of", "status"], name="callback_week_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.week_of:%Y-%m-%d} {self.status} {self.n}"
