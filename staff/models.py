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
        permissions = CAPABILITIES

    def __str__(self) -> str:
        return (
            f"{self.user.get_full_name() or self.user.get_username()} ({self.get_role_display()})"
        )

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.role not in COMPANY_ROLES and not self.estate_id:
            errors["estate"] = _("This role works at one estate: choose it.")
        if self.role in DEPARTMENT_ROLES and not self.department_id:
            errors["department"] = _("This role belongs to a department: choose it.")
        if self.department_id and self.estate_id and self.department.estate_id != self.estate_id:
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
