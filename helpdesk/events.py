"""The request log's writers: one per kind of event."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from .models import EventKind, Request, RequestEvent


def entry(
    r: Request,
    kind: str,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    note: str = "",
    **data: object,
) -> RequestEvent:
    return RequestEvent(
        request=r, kind=kind, actor=actor, at=at or timezone.now(), note=note, data=data
    )


def record(e: RequestEvent) -> RequestEvent:
    e.save()
    return e


def overdue(r: Request, *, due: dt.datetime, at: dt.datetime) -> RequestEvent:
    return entry(r, EventKind.OVERDUE, actor=None, at=at, due=due.isoformat())
