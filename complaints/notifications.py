"""Emails about complaints. Plain text: whatever a resident typed stays plain text."""

from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Complaint


def routed_notice_send(*, complaint_id: int) -> bool:
    c = (
        Complaint.objects.select_related("department__head", "estate")
        .filter(pk=complaint_id)
        .first()
    )
    head = c.department.head if c and c.department else None
    if head is None or not head.email:
        return False
    subject = _("[%(estate)s] Complaint %(n)s routed to %(d)s") % {
        "estate": c.estate.name,
        "n": c.number,
        "d": c.department.name,
    }
    body = "\n".join(
        [
            f"{_('Number')}: {c.number}",
            f"{_('Grade')}: {c.get_grade_display()}",
            f"{_('Category')}: {c.get_category_display()}",
            f"{_('Resolve by')}: {timezone.localtime(c.resolve_due):%Y-%m-%d %H:%M}",
            "",
            c.description,
            "",
            reverse("complaints:detail", args=[c.pk]),
        ]
    )
    send_mail(subject, body, None, [head.email])
    return True
