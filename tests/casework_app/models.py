from django.db import models

from casework.models import ClockedCase, LogEntry
from staff.models import Company


class Ticket(ClockedCase):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, blank=True)
    opened_at = models.DateTimeField()
    closed = models.BooleanField(default=False)
    answer_due = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    finish_due = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Firing "bump" replaces the finish deadline (as an upgrade to major does).
    bump_due = models.DateTimeField(null=True, blank=True)
    bumped_at = models.DateTimeField(null=True, blank=True)

    class Meta(ClockedCase.Meta):
        verbose_name = "测试单"
        verbose_name_plural = "测试单"


class TicketEntry(LogEntry):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=40)

    class Meta(LogEntry.Meta):
        verbose_name = "测试记录"
        verbose_name_plural = "测试记录"
