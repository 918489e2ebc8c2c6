"""Everything else that reaches the desk (SPEC §8; 004 §4.4-4.8): inquiries and help
requests, the fourth kind of case on the shared clock engine; and the duty log
(《客服中心值班记录表》, 003 交接班程序): shifts, their notes and the handovers between
them, each confirmed by both people."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models import CaseCounter, ClockedCase, LogEntry
from staff.models import Estate, Unit


class Kind(models.TextChoices):
    """004 §4.4.1, a to e."""

    MEDICAL = "medical", _("Medical emergency (急救病人)")
    SECURITY = "security", _("Security incident (治安事件)")
    DISASTER = "disaster", _("Flood or fire (水浸、火灾)")
    HELP = "help", _("Everyday help (生活求助)")
    INQUIRY = "inquiry", _("Inquiry (咨询)")


EMERGENCIES = frozenset({Kind.MEDICAL, Kind.SECURITY, Kind.DISASTER})


class Incident(models.TextChoices):
    """What happened, for a security incident (004 §4.6) or a disaster (§4.7)."""

    THEFT = "theft", _("Theft (盗窃)")
    FIGHT = "fight", _("Fight (打架斗殴)")
    ROBBERY = "robbery", _("Robbery (抢劫)")
    HOMICIDE = "homicide", _("Homicide (凶杀)")
    POISONING = "poisoning", _("Poisoning (中毒)")
    TRAFFIC = "traffic", _("Traffic accident (交通意外)")
    FLOOD = "flood", _("Flood (水浸)")
    FIRE = "fire", _("Fire (火灾)")


SECURITY_INCIDENTS = frozenset(
    {
        Incident.THEFT,
        Incident.FIGHT,
        Incident.ROBBERY,
        Incident.HOMICIDE,
        Incident.POISONING,
        Incident.TRAFFIC,
    }
)
DISASTERS = frozenset({Incident.FLOOD, Incident.FIRE})


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone (来电)")
    VISIT = "visit", _("Visit (来访)")
    LETTER = "letter", _("In writing (书面)")


class Status(models.TextChoices):
    OPEN = "open", _("Open (处理中)")
    CLOSED = "closed", _("Done (已办结)")


class Request(ClockedCase):
    """One inquiry or help request. The clerk who took it first (``received_by``)
    stays its owner at the desk until it is done (首问负责制)."""

    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="requests"
    )
    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    incident = models.CharField(_("incident (事件)"), max_length=10, choices=Incident, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    location = models.CharField(_("place"), max_length=100, blank=True)
    resident_name = models.CharField(_("name"), max_length=50, blank=True)
    resident_phone = models.CharField(_("phone"), max_length=20, blank=True)
    question = models.TextField(_("what was asked or reported"))
    # 004 §4.5.4: a question touching the company's confidential matters.
    confidential = models.BooleanField(_("touches confidential matters (涉密)"), default=False)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first taken by (首问责任人)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The same matter reported before and still open: shown against its owner.
    first_report = models.ForeignKey(
        "self",
        verbose_name=_("reported before as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_again",
    )
    alerted_at = models.DateTimeField(_("emergency alert sent at"), null=True, blank=True)
    # Not answered at once: a supervisor was asked (004 §4.4.2, §4.5.2).
    referred_at = models.DateTimeField(_("supervisor asked at"), null=True, blank=True)
    referred_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor asked"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The answer clock: from the referral (oral) or the receipt (in writing).
    answer_from = models.DateTimeField(_("answer clock from"), null=True, blank=True)
    answer_due = models.DateTimeField(_("answer by"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answer = models.TextField(_("answer, or what was done"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.OPEN)

    class Meta:
        verbose_name = _("inquiry or help request (咨询求助)")
        verbose_name_plural = _("inquiries and help requests (咨询求助)")
        indexes = [
            *ClockedCase.Meta.indexes,
            models.Index(fields=["estate", "-received_at"], name="request_estate_recv_idx"),
            models.Index(
                fields=["estate", "answer_due"],
                name="request_open_due_idx",
                condition=Q(status="open"),
            ),
            models.Index(fields=["unit", "-received_at"], name="request_unit_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(answered_at__isnull=False),
                name="request_done_answered",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_emergency(self) -> bool:
        return self.kind in EMERGENCIES

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def written(self) -> bool:
        return self.kind == Kind.INQUIRY and self.channel == Channel.LETTER


class RequestCounter(CaseCounter):
    """Last number given per estate and month: ZX-202612-0001."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["estate", "month"], name="request_counter_once")
        ]
        default_permissions = ()


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received (受理)")
    ALERTED = "alerted", _("Emergency alert sent (紧急通知)")
    REPORTED_AGAIN = "reported_again", _("Reported again (再次反映)")
    REFERRED = "referred", _("Supervisor asked (请示主管)")
    ACTION = "action", _("Action taken (处理情况)")
    ANSWERED = "answered", _("Answered, done (答复办结)")
    OVERDUE = "overdue", _("Answer overdue (超时)")


class RequestEvent(LogEntry):
    """One line of a request's log. Append-only (a database trigger)."""

    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=16, choices=EventKind)

    class Meta(LogEntry.Meta):
        verbose_name = _("request log entry")
        verbose_name_plural = _("request log")
        indexes = [models.Index(fields=["request", "at"], name="request_event_at_idx")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_kind_display()}"


# --- the duty log ---------------------------------------------------------------------


class DutyShift(models.Model):
    """One person's turn on duty at the estate's desk (值班): from the handover they
    confirmed (or from opening the duty) until the next one is confirmed. At most one
    shift of an estate is open at a time."""

    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="duty_shifts"
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on duty"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("duty shift (值班)")
        verbose_name_plural = _("duty shifts (值班)")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate"], condition=Q(ended_at__isnull=True), name="shift_one_open"
            ),
        ]
        indexes = [models.Index(fields=["estate", "-started_at"], name="shift_estate_idx")]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.started_at:%Y-%m-%d %H:%M}"


class DutyEntry(LogEntry):
    """A line of the shift's duty record (《客服中心值班记录表》). Append-only."""

    shift = models.ForeignKey(
        DutyShift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="entries"
    )

    class Meta(LogEntry.Meta):
        verbose_name = _("duty record line")
        verbose_name_plural = _("duty record (值班记录)")
        indexes = [models.Index(fields=["shift", "at"], name="duty_entry_at_idx")]

    def __str__(self) -> str:
        return f"{self.shift_id} {self.at:%H:%M}"


class Handover(models.Model):
    """交接班: the one on duty writes what is left open and what to watch, naming who
    takes over, and signs; the work is the next shift's from the moment the one taking
    over confirms it (both sign: 双方在交接班记录上签字确认). Before that, it is still the
    one handing over's (seed 003, 责任追究)."""

    estate = models.ForeignKey(
        Estate, verbose_name=_("estate"), on_delete=models.PROTECT, related_name="handovers"
    )
    from_shift = models.OneToOneField(
        DutyShift,
        verbose_name=_("shift handed over"),
        on_delete=models.PROTECT,
        related_name="handover",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken over by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    written_at = models.DateTimeField(_("handed over at"))
    # The open items at the handover, as they stood (number, what, due, owner).
    items = models.JSONField(_("open items"), default=list)
    watch = models.TextField(_("what to watch (重点问题)"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover (交接班)")
        verbose_name_plural = _("handovers (交接班记录)")
        ordering = ["-written_at"]

    def __str__(self) -> str:
        return f"{self.estate_id} {self.written_at:%Y-%m-%d %H:%M}"
