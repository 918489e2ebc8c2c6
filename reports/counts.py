"""The month's complaint counts (``reports.models.ComplaintMonth``), kept by the database:
a row per estate, month of receipt and combination of the dimensions the monthly report
counts (grade, channel, category, department, scope, closure, repeat, escalated), with how
many complaints have it now.

A trigger on ``complaints_complaint`` moves a complaint's one from its old combination to
its new one in the same transaction as the change (an insert, a delete, or an update of
one of those columns: the regrade, the routing, the escalation, the closure), so the counts
are always those of ``GROUP BY`` over the complaints, whichever code wrote them. Rows
loaded with triggers off (a bulk ``COPY`` as ``session_replication_role = replica``, a
``TRUNCATE``) are counted again by ``rebuild()``.

The month is that of ``received_at`` in the site's time zone, ``settings.TIME_ZONE`` when
the migration ran; after changing it, run ``manage.py rebuild_report_counts``.

Every name in the SQL below is a constant of this module (S608 is silenced for them).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction

TABLE = "reports_complaintmonth"
FUNCTION = "reports_complaint_month_count"
DIMENSIONS = (
    "estate_id",
    "month",
    "grade",
    "channel",
    "category",
    "department_id",
    "in_scope",
    "closure",
    "repeat",
    "escalated",
)
# The complaint's columns the counts depend on; an update of any other column costs nothing.
WATCHED = (
    "estate_id",
    "received_at",
    "grade",
    "channel",
    "category",
    "department_id",
    "in_scope",
    "closure",
    "repeat_of_id",
    "escalated_to",
)


def _values(row: str, zone: str) -> str:
    """The dimensions of the complaint ``row`` (NEW, OLD or a table alias), as SQL."""
    return ", ".join(
        [
            f"{row}.estate_id",
            f"(date_trunc('month', {row}.received_at AT TIME ZONE '{zone}'))::date",
            f"{row}.grade",
            f"{row}.channel",
            f"{row}.category",
            f"{row}.department_id",
            f"{row}.in_scope",
            f"{row}.closure",
            f"{row}.repeat_of_id IS NOT NULL",
            f"{row}.escalated_to <> ''",
        ]
    )


def _upsert(row: str, delta: int, zone: str) -> str:
    columns = ", ".join(DIMENSIONS)
    return (
        f"INSERT INTO {TABLE} ({columns}, n) VALUES ({_values(row, zone)}, {delta}) "  # noqa: S608
        f"ON CONFLICT ({columns}) DO UPDATE SET n = {TABLE}.n + EXCLUDED.n;"
    )


def _zone() -> str:
    zone = str(settings.TIME_ZONE)
    if "'" in zone:  # a zone name never holds one; refuse rather than build bad SQL
        raise ValueError(zone)
    return zone


def create_sql() -> list[str]:
    zone = _zone()
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED)
    return [
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {_upsert("OLD", -1, zone)}
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                {_upsert("NEW", 1, zone)}
            END IF;
            RETURN NULL;
        END $$;
        """,
        f"CREATE TRIGGER complaint_month_count_insert_delete AFTER INSERT OR DELETE "
        f"ON complaints_complaint FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();",
        f"CREATE TRIGGER complaint_month_count_update AFTER UPDATE "
        f"ON complaints_complaint FOR EACH ROW WHEN ({changed}) "
        f"EXECUTE FUNCTION {FUNCTION}();",
    ]


DROP_SQL = [
    "DROP TRIGGER IF EXISTS complaint_month_count_insert_delete ON complaints_complaint;",
    "DROP TRIGGER IF EXISTS complaint_month_count_update ON complaints_complaint;",
    f"DROP FUNCTION IF EXISTS {FUNCTION}();",
]


def rebuild_sql() -> list[str]:
    columns = ", ".join(DIMENSIONS)
    return [
        # No complaint changes while they are counted again; reading goes on.
        "LOCK TABLE complaints_complaint IN SHARE MODE;",
        f"DELETE FROM {TABLE};",  # noqa: S608
        f"INSERT INTO {TABLE} ({columns}, n) SELECT {_values('c', _zone())}, count(*) "  # noqa: S608
        f"FROM complaints_complaint c GROUP BY {', '.join(str(i) for i in range(1, 11))};",
    ]


def rebuild() -> None:
    """Put the trigger in place again with the time zone of the settings, and count every
    complaint again (after a bulk load with triggers off, or a change of time zone): one
    transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in [*DROP_SQL, *create_sql(), *rebuild_sql()]:
            cursor.execute(sql)
