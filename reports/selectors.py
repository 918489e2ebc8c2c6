"""Figures of the estate overview, built on the complaints' scoping query."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q
from django.utils import timezone

from complaints.models import Extension, Status
from complaints.selectors import complaints_for


def estate_overview(user: User | AnonymousUser) -> dict[int, dict[str, int]]:
    """Open, overdue, repeat and escalated complaints and pending extensions per estate."""
    now = timezone.now()
    rows = (
        complaints_for(user)
        .exclude(status=Status.CLOSED)
        .values("estate_id")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(next_due__lt=now)),
            repeat=Count("id", filter=Q(repeat_of__isnull=False)),
            escalated=Count("id", filter=~Q(escalated_to="")),
            unrouted=Count("id", filter=Q(status__in=[Status.RECEIVED, Status.REOPENED])),
        )
    )
    figures: dict[int, dict[str, int]] = {
        r["estate_id"]: {k: v for k, v in r.items() if isinstance(v, int)} for r in rows
    }
    pending = (
        Extension.objects.filter(
            decision=Extension.Decision.PENDING, complaint__in=complaints_for(user)
        )
        .values("complaint__estate_id")
        .annotate(n=Count("id"))
    )
    for row in pending:
        figures.setdefault(row["complaint__estate_id"], {})["extensions"] = row["n"]
    return figures
