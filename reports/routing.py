"""Report queries on a read replica (``REPORTS_DATABASE_URL``), past one machine.

The monthly report reads a month of every kind of case; on a busy primary that is the
one heavy read of the day. When ``REPORTS_DATABASE_URL`` names a replica, the settings
add it as the ``reports`` database and set ``REPORTS_DATABASE``; the reads made inside
``on_replica()`` (building a report's figures) then go there, and everything else, every
write included, stays on ``default``. Off by default: without the setting the router
sends nothing anywhere. A replica is never migrated itself: it follows its primary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA_ALIAS = "reports"
_reading: ContextVar[bool] = ContextVar("reports_on_replica", default=False)


@contextmanager
def on_replica() -> Iterator[None]:
    """Reads of the models inside go to the report replica, when there is one."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


class ReportReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = getattr(settings, "REPORTS_DATABASE", None)
        return alias if alias and _reading.get() else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA_ALIAS else None
