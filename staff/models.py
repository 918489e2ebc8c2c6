from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import CAPABILITIES, COMPANY_ROLES, DEPARTMENT_ROLES, Role
from .validators import validate_phone


class Company(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class Estate(models.Model):
    """A managed site (管理处 / 小区): a residential estate or an office building."""

    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential estate (住宅小区)")
        OFFICE = "office", _("Office building (写字楼)")

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="estates"
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"),
        max_length=12,
        unique=True,
        help_text=_("Short code used in complaint numbers, e.g. CH."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.RESIDENTIAL)
    address = models.CharField(_("address"), max_length=200, blank=True)
    wecom_webhook = models.URLField(
        _("WeCom group robot webhook (企业微信群机器人)"),
        max_length=300,
        blank=True,
        help_text=_("Alerts of this estate are also posted to this group. Empty: off."),
    )

    class Meta:
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="estate_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER_SERVICE = "customer_service", _("Customer service (客服中心)")
        ENGINEERING = "engineering", _("Engineering (工程部)")
        MECHANICAL_ELECTRICAL = "mechanical_electrical", _("M&E (机电)")
        SECURITY = "security", _("Security (保安部)")
        CLEANING = "cleaning", _("Cleaning (保洁)")
        LANDSCAPING = "landscaping", _("Landscaping (绿化)")
        PEST_CONTROL = "pest_control", _("Pest control (消杀)")
        FINANCE = "finance", _("Finance (财务)")
        PARKING = "parking", _("Parking (停车场)")

    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="departments"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    name = models.CharField(_("name"), max_length=100)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["estate__code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "kind"], name="department_kind_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.estate.name} · {self.name}"


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role)
    estate = models.ForeignKey(
        Estate,
        verbose_name=_("estate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Leave empty only for company-wide roles (general manager)."),
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        permissions = list(CAPABILITIES)

    def __str__(self) -> str:
        return (
            f"{self.user.get_full_name() or self.user.get_username()} ({self.get_role_display()})"
        )

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.role not in COMPANY_ROLES and not self.estate_id:
            errors["estate"] = _("This role works at one estate: choose it.")
        if self.role in DEPARTMENT_ROLES and not self.department_id:
            errors["department"] = _("This role belongs to a department: choose it.")
        department = self.department if self.department_id else None
        if department is not None and self.estate_id and department.estate_id != self.estate_id:
            errors["department"] = _("The department must belong to the chosen estate.")
        if errors:
            raise ValidationError(errors)


class Unit(models.Model):
    """One room of the registry: building / unit (entrance) / room."""

    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="units"
    )
    building = models.CharField(_("building"), max_length=20)
    entrance = models.CharField(_("unit (entrance)"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["estate__code", "building", "entrance", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "building", "entrance", "room"], name="unit_address_unique"
            )
        ]
        indexes = [models.Index(fields=["estate", "room"], name="unit_estate_room_idx")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.entrance:
            return _("Bldg %(b)s, unit %(e)s, room %(r)s") % {
                "b": self.building,
                "e": self.entrance,
                "r": self.room,
            }
        return _("Bldg %(b)s, room %(r)s") % {"b": self.building, "r": self.room}


class Resident(models.Model):
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="residents"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["unit_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name", "phone"], name="resident_unique_per_unit"
            )
        ]
        indexes = [models.Index(fields=["phone"], name="resident_phone_idx")]

    def __str__(self) -> str:
        return self.name


class Heartbeat(models.Model):
    """When a background process last proved it runs (worker, beat, sweeps)."""

    key = models.CharField(_("key"), max_length=50, primary_key=True)
    beat_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.key} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class BusinessCalendar(models.Model):
    """A company's working hours. Days off and make-up working days are CalendarDay rows."""

    company = models.OneToOneField(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="calendar"
    )
    work_start = models.TimeField(_("working hours start"), default="08:30")
    work_end = models.TimeField(_("working hours end"), default="17:30")

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return f"{self.company} {self.work_start:%H:%M}–{self.work_end:%H:%M}"


class CalendarDay(models.Model):
    """A day that differs from the weekly rule: a public holiday on a weekday, or a
    make-up working day (调休) on a weekend."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (法定节假日)")
        WORKDAY = "workday", _("Make-up working day (调休上班)")

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="calendar_days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["company", "date"], name="calendar_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class Notification(models.Model):
    """One message in a user's in-app inbox. ``key`` names what caused it (for example
    ``complaint:42:route:due:<due>``): the pair (recipient, key) is unique, so the
    same alert can never reach the same person twice, whoever runs the sweep.

    The inbox shows one line per ``thread`` (``complaint:42``: everything about one
    complaint), with the latest subject and a count; every message stays a row of its
    own, so each alarm can still be found. ``digest_pending``: this message goes out in
    the recipient's next email digest (``staff.notify.digests_prepare``) rather than in
    an email of its own."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        ESCALATED = "escalated", _("Escalated")
        ROUTED = "routed", _("Routed to you")
        EXTENSION = "extension", _("Extensions")
        OTHER = "other", _("Other")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    key = models.CharField(_("cause"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.OTHER)
    thread = models.CharField(_("about"), max_length=200, blank=True)
    digest_pending = models.BooleanField(_("waiting for the email digest"), default=False)
    digest_key = models.CharField(_("sent in digest"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")
        ]
        indexes = [
            # The unread count in the navigation.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            # The inbox's lines: the messages of one thread.
            models.Index(fields=["recipient", "thread"], name="notification_thread_idx"),
            # The digest job: what waits to be emailed.
            models.Index(
                fields=["recipient"],
                condition=models.Q(digest_pending=True),
                name="notification_digest_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """One message to send outside the app (email, WeCom), sent by its own retried task.

    ``key`` (cause + channel + target) is unique, so a delivery is created once; the
    task claims it with a conditional update before sending."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WECOM = "wecom", _("WeCom group robot")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("key"), max_length=300, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    target = models.CharField(_("to"), max_length=300)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            # The delivery sweep: what is due to be (re)tried.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state__in=["pending", "sending"]),
                name="delivery_unsent_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.target}: {self.subject}"


class ContactRole(models.Model):
    """Whether a role may reveal a resident's full name and phone where its case needs it
    (staff.privacy). A row per role, kept by post_migrate (a new role gets its default;
    a manager's choice is never changed); the others see them masked."""

    # The roles whose cases need contact data: the desk (intake, callbacks), department
    # heads (a complaint routed to them, while open), technicians (an order assigned to
    # them, while open).
    DEFAULTS = frozenset(
        {Role.CLERK, Role.DUTY_OFFICER, Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.TECHNICIAN}
    )

    role = models.CharField(_("role"), max_length=32, choices=Role, unique=True)
    may_reveal = models.BooleanField(_("may see contact data where the case needs it"))

    class Meta:
        verbose_name = _("role that may see contact data")
        verbose_name_plural = _("roles that may see contact data")
        ordering = ["role"]

    def __str__(self) -> str:
        return self.get_role_display()


class ContactReveal(models.Model):
    """One reveal of a resident's contact data: who, when, which case, which field, how.
    Written by staff.privacy.record only; read by managers in the admin."""

    class How(models.TextChoices):
        VIEW = "view", _("Shown on screen")
        PRINT = "print", _("Printed form")
        EXPORT = "export", _("Export")

    at = models.DateTimeField(_("at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    case_type = models.CharField(_("kind of case"), max_length=32)
    case_id = models.BigIntegerField(_("case"))
    case_number = models.CharField(_("case number"), max_length=30)
    field = models.CharField(
        _("field"), max_length=8, choices=[("name", _("name")), ("phone", _("phone"))]
    )
    how = models.CharField(_("how"), max_length=8, choices=How)

    class Meta:
        verbose_name = _("contact data reveal")
        verbose_name_plural = _("contact data reveals")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case_type", "case_id", "at"], name="reveal_case_idx"),
            models.Index(fields=["user", "-at"], name="reveal_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.field} {self.at:%Y-%m-%d %H:%M}"
