"""The callback log's writers: one per kind of event."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from .models import Callback, CallbackEvent, EventKind


def entry(
    cb: Callback,
    kind: str,
    *,
    actor: User | None,
    at: dt.datetime | None = None,
    note: str = "",
    **data: object,
) -> CallbackEvent:
    return CallbackEvent(
        callback=cb, kind=kind, actor=actor, at=at or timezone.now(), note=note, data=data
    )


def record(e: CallbackEvent) -> CallbackEvent:
    e.save()
    return e


def overdue(cb: Callback, *, due: dt.datetime, at: dt.datetime) -> CallbackEvent:
    return entry(cb, EventKind.OVERDUE, actor=None, at=at, due=due.isoformat())
