"""Django's database sessions, read with one plain SQL statement.

Every request reads its session. ``SessionStore`` of ``django.contrib.sessions`` does it
through the ORM (``Session.objects.get(session_key=…, expire_date__gt=now)``): building
and compiling that query cost more than PostgreSQL took to answer it. The same
statement, written once; writing, creating, cycling and clearing sessions stay Django's.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        if key is None:
            return None
        model = self.model
        using = router.db_for_read(model)
        table = connections[using].ops.quote_name(model._meta.db_table)
        with connections[using].cursor() as cursor:
            cursor.execute(
                f"SELECT session_data, expire_date FROM {table} "  # noqa: S608 - a model's table
                "WHERE session_key = %s AND expire_date > %s",
                [key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=key, session_data=row[0], expire_date=row[1])
