"""Counts the database keeps: tables of a row per group of cases (an estate, a month, and
what a report tells apart), with how many cases have it now and sums over them, so a
report reads a few hundred rows rather than a month of cases, whatever their number.

A ``Tally`` names the table it writes, the table it reads, the columns it groups by and
sums (SQL over a row of the source), which rows it takes, and the source's columns those
depend on. A trigger per tally moves a case's contribution from its old group to its new
one in the same transaction as the change (an insert, a delete, or an update of a
watched column), so a table is always the ``GROUP BY`` over its source, whichever code
wrote the rows; an update of any other column costs nothing. Rows loaded with triggers
off (a bulk ``COPY`` as ``session_replication_role = replica``, a ``TRUNCATE``) are
counted again by ``rebuild_sql``.

A month is that of the date in the site's time zone, ``settings.TIME_ZONE`` when the
migration ran; after changing it, count again (``manage.py rebuild_report_counts``).

Every name in the SQL below is a constant of the code (S608 is silenced for them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Tally:
    """A count kept by a trigger on ``source``: rows of ``table`` grouped by ``dims``,
    summing ``measures``, over the source rows where ``where`` holds. Every SQL fragment
    reads the row as ``{r}`` and the time zone as ``{zone}``; a measure is never NULL."""

    name: str
    table: str
    source: str
    dims: tuple[tuple[str, str], ...]
    measures: tuple[tuple[str, str], ...]
    watched: tuple[str, ...]
    where: str = "TRUE"

    @property
    def function(self) -> str:
        return f"reports_{self.name}"

    def sql(self, fragment: str, row: str) -> str:
        return fragment.format(r=row, zone=_zone())

    def upsert(self, row: str, sign: str) -> str:
        dims = ", ".join(column for column, _ in self.dims)
        columns = ", ".join([dims, *(column for column, _ in self.measures)])
        values = ", ".join(
            [
                *(self.sql(expr, row) for _, expr in self.dims),
                *(f"{sign}({self.sql(expr, row)})" for _, expr in self.measures),
            ]
        )
        sums = ", ".join(f"{c} = {self.table}.{c} + EXCLUDED.{c}" for c, _ in self.measures)
        return (
            f"INSERT INTO {self.table} ({columns}) VALUES ({values}) "  # noqa: S608
            f"ON CONFLICT ({dims}) DO UPDATE SET {sums};"
        )

    def create_sql(self) -> list[str]:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in self.watched)
        return [
            f"""
            CREATE OR REPLACE FUNCTION {self.function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    IF {self.sql(self.where, "OLD")} THEN {self.upsert("OLD", "-")} END IF;
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    IF {self.sql(self.where, "NEW")} THEN {self.upsert("NEW", "")} END IF;
                END IF;
                RETURN NULL;
            END $$;
            """,
            f"CREATE TRIGGER {self.name}_insert_delete AFTER INSERT OR DELETE "
            f"ON {self.source} FOR EACH ROW EXECUTE FUNCTION {self.function}();",
            f"CREATE TRIGGER {self.name}_update AFTER UPDATE "
            f"ON {self.source} FOR EACH ROW WHEN ({changed}) "
            f"EXECUTE FUNCTION {self.function}();",
        ]

    def drop_sql(self) -> list[str]:
        return [
            f"DROP TRIGGER IF EXISTS {self.name}_insert_delete ON {self.source};",
            f"DROP TRIGGER IF EXISTS {self.name}_update ON {self.source};",
            f"DROP FUNCTION IF EXISTS {self.function}();",
        ]

    def count_sql(self) -> str:
        """Count every source row into the (emptied) table."""
        dims = [self.sql(expr, "s") for _, expr in self.dims]
        sums = [f"sum({self.sql(expr, 's')})" for _, expr in self.measures]
        columns = ", ".join(c for c, _ in (*self.dims, *self.measures))
        groups = ", ".join(str(i) for i in range(1, len(dims) + 1))
        return (
            f"INSERT INTO {self.table} ({columns}) "  # noqa: S608
            f"SELECT {', '.join(dims + sums)} FROM {self.source} s "
            f"WHERE {self.sql(self.where, 's')} GROUP BY {groups};"
        )


def month_of(column: str) -> str:
    """The first day of the month of ``column``, local time."""
    return f"(date_trunc('month', {{r}}.{column} AT TIME ZONE '{{zone}}'))::date"


def flag(condition: str) -> str:
    """1 when ``condition`` holds, else 0 (NULL too)."""
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _zone() -> str:
    zone = str(settings.TIME_ZONE)
    if "'" in zone:  # a zone name never holds one; refuse rather than build bad SQL
        raise ValueError(zone)
    return zone


def create_sql(tallies: Iterable[Tally]) -> list[str]:
    return [sql for t in tallies for sql in t.create_sql()]


def drop_sql(tallies: Iterable[Tally]) -> list[str]:
    return [sql for t in tallies for sql in t.drop_sql()]


def rebuild_sql(tallies: Iterable[Tally]) -> list[str]:
    """Count every row again into ``tallies`` (each table whole: a table's tallies are
    rebuilt together)."""
    tallies = list(tallies)
    # No source row changes while it is counted again; reading goes on.
    sources = dict.fromkeys(t.source for t in tallies)
    tables = dict.fromkeys(t.table for t in tallies)
    return [
        *(f"LOCK TABLE {s} IN SHARE MODE;" for s in sources),
        *(f"DELETE FROM {table};" for table in tables),  # noqa: S608
        *(t.count_sql() for t in tallies),
    ]
