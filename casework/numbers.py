"""Case numbers per estate and month (TS-202611-0007, WX-202612-0001)."""

from __future__ import annotations

import datetime as dt

from django.db import connection, models
from django.utils import timezone


def next_number(
    counter: type[models.Model], *, estate_id: int, prefix: str, at: dt.datetime
) -> str:
    """The next number of the estate's month, from ``counter`` (a model with estate,
    month and last, unique per estate and month): one upsert, safe under concurrency."""
    month = timezone.localtime(at).strftime("%Y%m")
    table = connection.ops.quote_name(counter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (estate_id, month, last) VALUES (%s, %s, 1) "  # noqa: S608 - the model's table
            f"ON CONFLICT (estate_id, month) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [estate_id, month],
        )
        (seq,) = cursor.fetchone()
    return f"{prefix}-{month}-{seq:04d}"
