"""Reading the inbox: one line per thread (everything about one complaint), with the
latest message on top, how many messages it holds and how many are unread. Every
message stays a row of its own (``staff.notify``), so the line can list them all."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, Q

from .models import Notification

# Lines per page, and messages listed under one line (the count says how many in all).
LINES = 50
MESSAGES_PER_LINE = 20


@dataclass
class InboxLine:
    thread: str
    count: int
    unread: int
    messages: list[Notification] = field(default_factory=list)

    @property
    def latest(self) -> Notification:
        return self.messages[0]


def inbox_lines(*, user, kind: str = "", limit: int = LINES) -> list[InboxLine]:
    """The user's newest lines, of one kind of message when ``kind`` is given. Two
    queries: the lines (served by notification_thread_idx), then their messages."""
    rows = Notification.objects.filter(recipient=user)
    if kind:
        rows = rows.filter(kind=kind)
    groups = list(
        rows.values("thread")
        .annotate(
            latest=Max("created_at"),
            last=Max("id"),
            count=Count("id"),
            unread=Count("id", filter=Q(read_at__isnull=True)),
        )
        .order_by("-latest", "-last")[:limit]
    )
    lines = {g["thread"]: InboxLine(g["thread"], g["count"], g["unread"]) for g in groups}
    for n in rows.filter(thread__in=list(lines)).order_by("-created_at", "-id"):
        line = lines[n.thread]
        if len(line.messages) < MESSAGES_PER_LINE:
            line.messages.append(n)
    return [line for line in lines.values() if line.messages]


def unread_lines(*, user) -> int:
    """How many lines have something unread (the count in the navigation; served by
    the partial index notification_unread_idx)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).aggregate(
        n=Count("thread", distinct=True)
    )["n"]


def unread_by_kind(*, user) -> dict[str, int]:
    """Lines with something unread, per kind of message (the inbox's filter)."""
    rows = (
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .values("kind")
        .annotate(n=Count("thread", distinct=True))
        .values_list("kind", "n")
    )
    return dict(rows)
