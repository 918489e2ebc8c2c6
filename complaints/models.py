"""Complaints (《住户投诉意见表》) and their handling log (《投诉处置记录表》)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from casework.models import CaseCounter, ClockedCase, LogEntry
from staff.models import Department, Estate, Unit
from staff.roles import Role


class Channel(models.TextChoices):
    VISIT = "visit", _("Visit (来访)")
    PHONE = "phone", _("Phone (来电)")
    LETTER = "letter", _("Letter (来函)")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box (投诉箱)")
    STAFF = "staff", _("Passed on by staff (员工转达)")


class Category(models.TextChoices):
    ENGINEERING = "engineering", _("Engineering (工程)")
    MECHANICAL_ELECTRICAL = "mechanical_electrical", _("M&E (机电)")
    FEES = "fees", _("Fees (收费)")
    CLEANING = "cleaning", _("Cleaning (保洁)")
    LANDSCAPING = "landscaping", _("Landscaping (绿化)")
    PEST_CONTROL = "pest_control", _("Pest control (消杀)")
    SECURITY = "security", _("Security (保安)")
    PARKING = "parking", _("Parking (停车)")
    CUSTOMER_SERVICE = "customer_service", _("Customer service (客服)")


class Grade(models.TextChoices):
    MINOR = "minor", _("Minor (轻微)")
    IMPORTANT = "important", _("Important (重要)")
    MAJOR = "major", _("Major (重大)")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received (已受理)")
    ROUTED = "routed", _("Routed (已派单)")
    SIGNED = "signed", _("Signed for (已签收)")
    HANDLED = "handled", _("Handled (已处理)")
    INFORMED = "informed", _("Resident informed (已回复)")
    CLOSED = "closed", _("Closed (已关闭)")
    REOPENED = "reopened", _("Reopened (重新打开)")


# The allowed moves of the state machine; services refuse anything else.
TRANSITIONS: dict[str, set[str]] = {
    Status.RECEIVED: {Status.ROUTED, Status.CLOSED},
    Status.ROUTED: {Status.ROUTED, Status.SIGNED},
    Status.SIGNED: {Status.ROUTED, Status.HANDLED},
    Status.HANDLED: {Status.INFORMED},
    Status.INFORMED: {Status.CLOSED},
    Status.CLOSED: {Status.REOPENED},
    Status.REOPENED: {Status.ROUTED, Status.CLOSED},
}
OPEN_STATUSES = [s for s in Status if s != Status.CLOSED]


class Closure(models.TextChoices):
    HANDLED = "handled", _("Handled and resident informed")
    ON_THE_SPOT = "on_the_spot", _("Resolved on the spot (当场解决)")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope, explained (非公司职责范围)")


class ComplaintCounter(CaseCounter):
    """Last number given per estate and month: TS-202611-0007."""

    class Meta:
        verbose_name = _("complaint number counter")
        verbose_name_plural = _("complaint number counters")
        constraints = [
            models.UniqueConstraint(fields=["estate", "month"], name="complaint_counter_unique")
        ]


class SearchBigrams(Func):
    """complaint_search_bigrams(description, demand, location): see migration 0001, whose
    generated column used it (the column is kept by a trigger since 0013)."""

    function = "complaint_search_bigrams"
    output_field = ArrayField(models.TextField())


# The counted clocks' deadline and done columns (``complaints.clocks.TABLE``; a test
# keeps them in step).
DEADLINES = (
    ("route_due", "signed_at"),
    ("escalate_due", "escalated_at"),
    ("answer_due", "informed_at"),
    ("resolve_due", "handled_at"),
    ("inform_due", "informed_at"),
)


def late_or_pending(due: str, done: str) -> Q:
    """A clock met after its deadline, closed unmet after it, or not met and still open
    (late once the deadline passes): the rows of its ``complaint_late_<clock>_idx``."""
    return Q(**{f"{done}__gt": F(due)}) | (
        Q(**{f"{done}__isnull": True}) & (Q(closed_at__isnull=True) | Q(closed_at__gt=F(due)))
    )


class Complaint(ClockedCase):
    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="complaints"
    )
    number = models.CharField(_("number"), max_length=20, editable=False)

    # Intake (《住户投诉意见表》)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel)
    incident_at = models.DateTimeField(_("incident time"), null=True, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    location = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("A common area, or details.")
    )
    target_department = models.ForeignKey(
        Department,
        verbose_name=_("department complained about (被投诉部门)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    target_staff = models.CharField(
        _("person complained about (被投诉人)"), max_length=50, blank=True
    )
    description = models.TextField(_("what happened"))
    demand = models.TextField(_("resident's demand (住户的要求)"), blank=True)
    requested_deadline = models.DateField(
        _("deadline the resident asks for"), null=True, blank=True
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    resident_name = models.CharField(_("resident's name"), max_length=50, blank=True)
    resident_phone = models.CharField(_("resident's phone"), max_length=20, blank=True)
    category = models.CharField(_("category"), max_length=32, choices=Category)
    grade = models.CharField(_("grade"), max_length=12, choices=Grade)
    in_scope = models.BooleanField(_("within the company's scope"), default=True)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of (二次投诉)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
    )

    # Where it stands
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.RECEIVED)
    closure = models.CharField(_("closure"), max_length=16, choices=Closure, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handling_note = models.TextField(_("handling and result"), blank=True)
    informed_at = models.DateTimeField(_("resident informed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The clocks of a reopened complaint start again from here.
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    escalated_to = models.CharField(_("escalated to"), max_length=32, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # Something is causing harm right now (004 §4.3.8): the department head and the
    # duty officers were alerted at intake, before anything else.
    stop_harm_first = models.BooleanField(
        _("stop the harm first (先行止损)"),
        default=False,
        help_text=_("It is causing harm right now: alert the department and the duty officer."),
    )

    # Deadlines (complaints.policy computes them)
    route_due = models.DateTimeField(_("route by"), null=True, blank=True)
    escalate_due = models.DateTimeField(_("escalate by"), null=True, blank=True)
    answer_due = models.DateTimeField(_("answer the resident by"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("resolve by"), null=True, blank=True)
    upgrade_due = models.DateTimeField(_("becomes major at"), null=True, blank=True)
    inform_due = models.DateTimeField(_("inform the resident by"), null=True, blank=True)
    # Every two-character gram of the description, demand and place (complaints.search),
    # kept by a database trigger when one of the three is written (migration 0013): a
    # generated column would be recomputed on every update, the sweep's included.
    search_bigrams = ArrayField(models.TextField(), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.UniqueConstraint(fields=["estate", "number"], name="complaint_number_unique"),
            models.CheckConstraint(
                condition=Q(anonymous=True) | ~Q(resident_name="") | ~Q(resident_phone=""),
                name="complaint_resident_or_anonymous",
            ),
        ]
        indexes = [
            *ClockedCase.Meta.indexes,
            # Estate lists, newest first (supervisor list, search recheck order).
            models.Index(fields=["estate", "-received_at"], name="complaint_estate_recv_idx"),
            # The general manager's list over every estate, newest first.
            models.Index(fields=["-received_at", "-id"], name="complaint_recv_idx"),
            # Status filters of an estate's list (e.g. reopened), newest first.
            models.Index(
                fields=["estate", "status", "-received_at"], name="complaint_estate_status_idx"
            ),
            # Department queue: open complaints by nearest deadline.
            models.Index(
                fields=["department", "next_due"],
                name="complaint_dept_queue_idx",
                condition=~Q(status="closed"),
            ),
            # Open complaints of an estate by nearest deadline (overview, overdue filter);
            # it holds what the estate overview counts, read without the table.
            models.Index(
                fields=["estate", "next_due"],
                include=["status", "repeat_of", "escalated_to", "id"],
                name="complaint_open_cover_idx",
                condition=~Q(status="closed"),
            ),
            models.Index(fields=["unit", "-received_at"], name="complaint_unit_idx"),
            models.Index(fields=["resident_phone"], name="complaint_phone_idx"),
            models.Index(fields=["resident_name"], name="complaint_name_idx"),
            models.Index(fields=["number"], name="complaint_number_idx"),
            # The bigrams and the receipt time: a search's date window is applied inside
            # the index (btree_gin; migration 0016).
            GinIndex(fields=["search_bigrams", "received_at"], name="complaint_search_gin"),
            # The monthly report's department chart: the resolutions due in a month.
            models.Index(
                fields=["estate", "resolve_due"],
                include=["handled_at", "closed_at", "department", "id"],
                condition=Q(resolve_due__isnull=False),
                name="complaint_resolve_due_idx",
            ),
            # The monthly report's late items and the month's clocks still running
            # (reports.monthly): each counted clock's deadlines missed or not met yet, in
            # order, read from the index alone.
            *(
                models.Index(
                    fields=[due, "id"],
                    include=["estate", done, "closed_at"],
                    condition=late_or_pending(due, done),
                    name=f"complaint_late_{due.removesuffix('_due')}_idx",
                )
                for due, done in DEADLINES
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def is_repeat(self) -> bool:
        return self.repeat_of_id is not None


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received (受理)")
    GRADED = "graded", _("Graded (定级)")
    REGRADED = "regraded", _("Regraded (重新定级)")
    ROUTED = "routed", _("Routed (派单)")
    SIGNED = "signed", _("Signed for (签收)")
    ESCALATED = "escalated", _("Escalated (上报)")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested (申请延期)")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved (批准延期)")
    EXTENSION_REFUSED = "extension_refused", _("Extension refused (不批准延期)")
    HANDLED = "handled", _("Handled (处理)")
    INFORMED = "informed", _("Resident informed (回复住户)")
    CLOSED = "closed", _("Closed (关闭)")
    REOPENED = "reopened", _("Reopened (重新打开)")
    OVERDUE = "overdue", _("Overdue (超时)")
    NOTE = "note", _("Note (备注)")
    REPEAT_PROMPTED = "repeat_prompted", _("Repeat complaint: escalation asked (二次投诉上报)")
    HARM_ALERTED = "harm_alerted", _("Stop the harm first: alerted (先行止损通知)")


class ComplaintEvent(LogEntry):
    """One line of the handling log (《投诉处置记录表》). Append-only: a database
    trigger refuses UPDATE and DELETE. Written through ``complaints.events``."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=24, choices=EventKind)

    class Meta(LogEntry.Meta):
        verbose_name = _("handling log entry")
        verbose_name_plural = _("handling log (投诉处置记录表)")
        indexes = [models.Index(fields=["complaint", "at"], name="event_complaint_at_idx")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class CategoryDepartment(models.Model):
    """Which department a category of complaint goes to by default, per estate: the
    intake form preselects it when the clerk chooses the category."""

    estate = models.ForeignKey(
        Estate,
        verbose_name=_("estate"),
        on_delete=models.CASCADE,
        related_name="category_departments",
    )
    category = models.CharField(_("category"), max_length=32, choices=Category)
    department = models.ForeignKey(
        Department,
        verbose_name=_("default department"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("default department of a category")
        verbose_name_plural = _("default departments by category (分类派单)")
        ordering = ["estate__code", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "category"], name="category_department_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} → {self.department.name}"

    def clean(self) -> None:
        if self.department_id and self.estate_id and self.department.estate_id != self.estate_id:
            raise ValidationError(
                {"department": _("The department must belong to the chosen estate.")}
            )


class Extension(models.Model):
    """A department's request for more time (001 §4.3), and the approver's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending (待批)")
        APPROVED = "approved", _("Approved (批准)")
        REFUSED = "refused", _("Refused (不批准)")
        WITHDRAWN = "withdrawn", _("Withdrawn: handled in time (已撤回)")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.TextField(_("reason"))
    interim_measure = models.TextField(_("interim measure"))
    new_deadline = models.DateTimeField(_("new deadline"))
    approver_role = models.CharField(_("to be approved by"), max_length=32)
    decision = models.CharField(
        _("decision"), max_length=12, choices=Decision, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [
            # One open request at a time per complaint.
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(decision="pending"),
                name="extension_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} → {self.new_deadline:%Y-%m-%d} ({self.get_decision_display()})"

    @property
    def approver_label(self) -> str:
        return str(Role(self.approver_role).label) if self.approver_role in Role.values else ""
