"""Repair orders (《维修服务通知单》, 004 §4.2) and their log: the second kind of case on
the shared clock engine (``casework``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models import CaseCounter, ClockedCase, LogEntry
from staff.models import Department, Estate, Unit


class Source(models.TextChoices):
    CALL = "call", _("Phone call (来电)")
    VISIT = "visit", _("Visit (来访)")
    PATROL = "patrol", _("Patrol (巡查)")
    STAFF = "staff", _("Passed on by staff (员工转达)")
    COMPLAINT = "complaint", _("From a complaint (投诉)")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent (急修)")
    EMERGENCY = "emergency", _("Special emergency: water, power, gas (特急)")
    APPOINTMENT = "appointment", _("Appointment (预约)")


class RepairKind(models.TextChoices):
    FREE = "free", _("Free (无偿)")
    PAID = "paid", _("Paid (有偿)")
    WARRANTY = "warranty", _("Under warranty (保修)")
    NOT_A_REPAIR = "not_a_repair", _("Not a repair: correct use shown (非维修)")


class Fault(models.TextChoices):
    """What kind of fault: the same fault at the same unit twice in 30 days asks for
    its root cause (003)."""

    WATER = "water", _("Water supply (水)")
    POWER = "power", _("Power (电)")
    GAS = "gas", _("Gas (燃气)")
    DRAINAGE = "drainage", _("Drainage (排水)")
    DOOR_LOCK = "door_lock", _("Door or lock (门锁)")
    LIFT = "lift", _("Lift (电梯)")
    OTHER = "other", _("Other (其他)")


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported (已报修)")
    DISPATCHED = "dispatched", _("Dispatched (已派单)")
    TAKEN = "taken", _("Taken (已接单)")
    ARRIVED = "arrived", _("Arrived (已到场)")
    FINISHED = "finished", _("Work done (已完工)")
    SIGNED = "signed", _("Signed by the resident (住户已签字)")
    CLOSED = "closed", _("Closed (已关闭)")


# The allowed moves; services refuse anything else. Taken or arrived → dispatched is
# "cannot be done now" (暂时无法维修): the promised time becomes the appointment.
# A closed order is not reopened: rework (返工) is a new order linked by ``rework_of``.
# Any open order before the work → closed is "not a repair" (the resident is shown the
# correct use); otherwise only a signed order closes.
TRANSITIONS: dict[str, set[str]] = {
    Status.REPORTED: {Status.DISPATCHED, Status.CLOSED},
    Status.DISPATCHED: {Status.TAKEN, Status.CLOSED},
    Status.TAKEN: {Status.ARRIVED, Status.DISPATCHED, Status.CLOSED},
    Status.ARRIVED: {Status.FINISHED, Status.DISPATCHED, Status.CLOSED},
    Status.FINISHED: {Status.SIGNED},
    Status.SIGNED: {Status.CLOSED},
    Status.CLOSED: set(),
}
OPEN_STATUSES = [s for s in Status if s != Status.CLOSED]


class RepairOrderCounter(CaseCounter):
    """Last number given per estate and month: WX-202612-0001."""

    class Meta:
        verbose_name = _("repair order number counter")
        verbose_name_plural = _("repair order number counters")
        constraints = [
            models.UniqueConstraint(fields=["estate", "month"], name="repair_counter_unique")
        ]


class RepairOrder(ClockedCase):
    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="repair_orders"
    )
    number = models.CharField(_("number"), max_length=20, editable=False)

    # Reported (004 §4.2.2)
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("reported how"), max_length=12, choices=Source)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_orders",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_orders",
        # repair_unit_recv_idx and repair_unit_fault_idx lead with the unit.
        db_index=False,
    )
    location = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("A common area, or details.")
    )
    resident_name = models.CharField(_("reported by (报修人)"), max_length=50, blank=True)
    resident_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    description = models.TextField(_("what is to be repaired (报修项目)"))
    fault = models.CharField(_("fault"), max_length=12, choices=Fault, default=Fault.OTHER)
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency)
    appointment_at = models.DateTimeField(_("appointment (预约时间)"), null=True, blank=True)
    kind = models.CharField(
        _("kind of repair"), max_length=16, choices=RepairKind, default=RepairKind.FREE
    )

    # Who does it
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_orders",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_orders",
        db_index=False,  # repair_tech_finished_idx leads with it
    )
    # Open to the technicians of the department to take (抢单) rather than assigned.
    published = models.BooleanField(_("open to take"), default=False)

    # Where it stands
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.REPORTED)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("work done at"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("feedback to the desk at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    parts = models.TextField(_("parts used"), blank=True)

    # Paid work (有偿): the fee lines' total, shown to the resident and confirmed before
    # the work; the receipt when paid.
    fee_total = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, default=0)
    fee_confirmed_at = models.DateTimeField(
        _("fee confirmed by the resident at"), null=True, blank=True
    )
    fee_confirmed_name = models.CharField(_("fee confirmed by"), max_length=50, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=30, blank=True)
    # Under warranty (保修): sent to the warranty contractor as a 《维保工单》.
    warranty_contractor = models.CharField(_("warranty contractor"), max_length=100, blank=True)
    warranty_sent_at = models.DateTimeField(_("sent to the contractor at"), null=True, blank=True)

    # The resident's signature drawn on the phone, as a PNG.
    signature = models.BinaryField(_("resident's signature (drawn)"), null=True, editable=False)
    # The last time the resident chased it (催单).
    chased_at = models.DateTimeField(_("last chased at"), null=True, blank=True)
    signed_name = models.CharField(_("resident's signature (typed)"), max_length=50, blank=True)
    unsigned_reason = models.CharField(_("why not signed"), max_length=200, blank=True)

    # Cannot be done now (004 §4.2.7.4; 003: 保护性维修)
    cannot_now_at = models.DateTimeField(
        _("reported as not possible now at"), null=True, blank=True
    )
    cannot_now_reason = models.TextField(_("why it cannot be done now"), blank=True)
    responsible_party = models.CharField(_("responsible party"), max_length=100, blank=True)
    protective_measures = models.TextField(_("protective measures taken"), blank=True)
    resident_phoned_at = models.DateTimeField(
        _("resident phoned with the promised time at"), null=True, blank=True
    )
    # Set when "cannot be done now" replaces an arrival that was late (or never came in
    # time): the new appointment does not wipe it from the on-time arrival rate.
    arrival_missed = models.BooleanField(_("arrival missed before"), default=False)

    rework_of = models.ForeignKey(
        "self",
        verbose_name=_("rework of (返工)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reworks",
    )
    root_cause_flag = models.BooleanField(
        _("find the root cause (查清原因)"),
        default=False,
        help_text=_("The same fault at the same unit twice within 30 days."),
    )

    # Deadlines (repairs.policy names the rules)
    dispatch_due = models.DateTimeField(_("dispatch by"), null=True, blank=True)
    arrive_due = models.DateTimeField(_("arrive by"), null=True, blank=True)
    feedback_due = models.DateTimeField(_("feedback to the desk by"), null=True, blank=True)
    promise_due = models.DateTimeField(_("phone the resident by"), null=True, blank=True)

    class Meta:
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders (维修服务通知单)")
        constraints = [
            models.UniqueConstraint(fields=["estate", "number"], name="repair_number_unique"),
            models.CheckConstraint(
                condition=~Q(urgency="appointment") | Q(appointment_at__isnull=False),
                name="repair_appointment_has_time",
            ),
        ]
        indexes = [
            *ClockedCase.Meta.indexes,
            models.Index(fields=["estate", "-reported_at"], name="repair_estate_recv_idx"),
            models.Index(
                fields=["technician", "next_due"],
                name="repair_tech_open_idx",
                condition=~Q(status="closed"),
            ),
            models.Index(
                fields=["estate", "next_due"],
                name="repair_estate_open_idx",
                condition=~Q(status="closed"),
            ),
            models.Index(fields=["unit", "fault", "-reported_at"], name="repair_unit_fault_idx"),
            # A unit's latest orders (an order's page, the desk's form): twenty read off
            # the index, not every order the unit ever had sorted.
            models.Index(fields=["unit", "-reported_at"], name="repair_unit_recv_idx"),
            # A technician's orders, and what he finished today (his page).
            models.Index(fields=["technician", "finished_at"], name="repair_tech_finished_idx"),
            # The board's "closed today".
            models.Index(
                fields=["estate", "closed_at"],
                name="repair_estate_closed_idx",
                condition=Q(status="closed"),
            ),
            # The board: each state's open orders by nearest deadline, and the counts by
            # state and technician, read from the index alone.
            models.Index(
                fields=["estate", "status", "next_due", "reported_at", "id"],
                include=["technician", "urgency"],
                name="repair_board_idx",
                condition=~Q(status="closed"),
            ),
            # The reworks by the time they were reported (the month figures' rework rate).
            models.Index(
                fields=["reported_at"],
                include=["rework_of"],
                name="repair_rework_idx",
                condition=Q(rework_of__isnull=False),
            ),
            # The month's figures of the open orders (the closed ones are kept counted:
            # repairs.tallies).
            models.Index(
                fields=["estate", "reported_at"],
                name="repair_open_reported_idx",
                condition=~Q(status="closed"),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def signed_on_screen(self) -> bool:
        """Signed by drawing (neither a typed name nor a reason): its image is kept."""
        return self.signed_at is not None and not self.signed_name and not self.unsigned_reason


class EventKind(models.TextChoices):
    REPORTED = "reported", _("Reported (报修)")
    DISPATCHED = "dispatched", _("Dispatched (派单)")
    TAKEN = "taken", _("Taken (接单)")
    ARRIVED = "arrived", _("Arrived (到场)")
    FINISHED = "finished", _("Work done (完工)")
    SIGNED = "signed", _("Resident signed (住户签字)")
    FEEDBACK = "feedback", _("Feedback to the desk (反馈)")
    CLOSED = "closed", _("Closed (关闭)")
    CANNOT_NOW = "cannot_now", _("Cannot be done now (暂时无法维修)")
    RESIDENT_PHONED = "resident_phoned", _("Resident phoned (电话通知住户)")
    REWORK = "rework", _("Rework ordered (返工)")
    ROOT_CAUSE = "root_cause", _("Same fault again: find the root cause (查清原因)")
    OVERDUE = "overdue", _("Overdue (超时)")
    TRANSFERRED = "transferred", _("Transferred (转单)")
    HANDED_BACK = "handed_back", _("Handed back (退单)")
    CHASED = "chased", _("Resident chased it (催单)")
    FEES = "fees", _("Fee lines (收费明细)")
    FEE_CONFIRMED = "fee_confirmed", _("Fee confirmed by the resident (住户确认收费)")
    PHOTO = "photo", _("Photo (照片)")
    WARRANTY_SENT = "warranty_sent", _("Sent to the warranty contractor (维保工单)")
    NOT_A_REPAIR = "not_a_repair", _("Not a repair: correct use shown (非维修)")
    PAID = "paid", _("Fee paid (已收费)")


class RepairOrderEvent(LogEntry):
    """One line of a repair order's log. Append-only: a database trigger refuses UPDATE
    and DELETE. Written through ``repairs.events``."""

    order = models.ForeignKey(
        RepairOrder, verbose_name=_("repair order"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=16, choices=EventKind)

    class Meta(LogEntry.Meta):
        verbose_name = _("repair log entry")
        verbose_name_plural = _("repair log")
        indexes = [models.Index(fields=["order", "at"], name="repair_event_order_at_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class FeeLine(models.Model):
    """One line of paid work (有偿维修): labour or a material, unit price × quantity."""

    class Kind(models.TextChoices):
        LABOUR = "labour", _("Labour (人工)")
        MATERIAL = "material", _("Material (材料)")

    order = models.ForeignKey(
        RepairOrder,
        verbose_name=_("repair order"),
        on_delete=models.CASCADE,
        related_name="fee_lines",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.MATERIAL)
    item = models.CharField(_("item"), max_length=100)
    unit_price = models.DecimalField(_("unit price"), max_digits=9, decimal_places=2)
    quantity = models.DecimalField(_("quantity"), max_digits=7, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("fee line")
        verbose_name_plural = _("fee lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(quantity__gt=0), name="repair_fee_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.unit_price} × {self.quantity}"


class Photo(models.Model):
    """A photo before or after the work, re-encoded as a JPEG of at most 1600 px: kept
    in the database with its order, served only to whom may see the order."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("Before (维修前)")
        AFTER = "after", _("After (维修后)")

    order = models.ForeignKey(
        RepairOrder,
        verbose_name=_("repair order"),
        on_delete=models.CASCADE,
        related_name="photos",
    )
    stage = models.CharField(_("when"), max_length=6, choices=Stage)
    image = models.BinaryField(_("image"), editable=False)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["order", "at"], name="repair_photo_order_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.stage}"


class Shift(models.Model):
    """Who is on duty when (排班): the technicians that dispatch by round-robin and the
    open orders reach, and the duty officer who takes calls out of hours (004 §3.4)."""

    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.CASCADE, related_name="shifts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on duty"),
        on_delete=models.CASCADE,
        related_name="shifts",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shift roster (排班表)")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="repair_shift_ends_after"
            )
        ]
        indexes = [models.Index(fields=["estate", "ends_at"], name="repair_shift_estate_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%m-%d %H:%M}–{self.ends_at:%H:%M}"


class RepairMonth(models.Model):
    """The closed repair orders by month of report, department, technician and kind, with
    the sums of ``repairs.figures``. Written only by the database (``casework.tallies``)."""

    estate = models.ForeignKey(
        Estate, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    month = models.DateField()
    department = models.ForeignKey(
        Department, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    kind = models.CharField(max_length=16)
    orders = models.IntegerField()
    dispatch_counted = models.IntegerField()
    dispatch_on_time = models.IntegerField()
    arrive_counted = models.IntegerField()
    arrive_on_time = models.IntegerField()
    arrived = models.IntegerField()
    to_arrive = models.DurationField()
    finished = models.IntegerField()
    to_finish = models.DurationField()
    revenue = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("month's closed repair orders")
        verbose_name_plural = _("month's closed repair orders")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "month", "department", "technician", "kind"],
                name="repair_month_once",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.month:%Y-%m} {self.orders}"
