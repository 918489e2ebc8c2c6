"""Many rows at once through COPY, the fastest way into PostgreSQL.

Sending thousands of rows as arrays to ``unnest(…)`` spends most of its time quoting
each value into the arrays' text (measured: 8,000 inbox rows, 210 ms; the same rows by
COPY, 25 ms). ``copy_into`` copies rows straight into a table; ``staged`` copies them
into a temporary table of the same column types, for an INSERT … ON CONFLICT or an
UPDATE … FROM to read in one statement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction


def _columns(columns: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def copy_into(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY ``rows`` (tuples in the order of ``columns``) into ``table``."""
    with connection.cursor() as cursor:
        sql = f"COPY {connection.ops.quote_name(table)} ({_columns(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


@contextmanager
def staged(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Yield the name of a temporary table holding ``rows``, with the types of those
    columns of ``table``. It lives for the connection and is emptied after use (and at
    commit), so it costs one catalog lookup a call after the first."""
    digest = hashlib.sha256(f"{table}:{','.join(columns)}".encode()).hexdigest()[:16]
    name = f"stage_{digest}"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {name} ON COMMIT DELETE ROWS AS "  # noqa: S608 - names from code
            f"SELECT {_columns(columns)} FROM {connection.ops.quote_name(table)} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {name} ({_columns(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        yield name
        cursor.execute(f"TRUNCATE {name}")
