"""The counts the database keeps for the monthly report (``casework.tallies``), and the
whole list of them (``TALLIES``: those of the complaints here, and the callbacks' and
repair orders' of their apps):

- ``complaint_month_count`` (``ComplaintMonth``): complaints by month of receipt, grade,
  channel, category, department, scope, closure, repeat, escalated;
- ``clock_month_<clock>`` (``ClockMonth``): each counted clock of a complaint by the month
  of its deadline, with its outcome where it no longer depends on the time: met (``done``
  set) or the complaint closed (``reports.monthly`` says which count and which are late);
  ``pending``: not met and still open, late once the deadline has passed;
- ``ladder_month_count`` (``LadderMonth``): complaints naming a person, by month of
  receipt, person (trimmed) and the department complained about;
- ``callbacks.tallies.CALLBACK_MONTH`` and ``CALLBACK_WEEK`` (the desk's hand-in weeks),
  ``repairs.tallies.REPAIR_MONTH``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from callbacks.tallies import CALLBACK_MONTH, CALLBACK_WEEK
from casework.tallies import Tally, create_sql, drop_sql, flag, month_of, rebuild_sql
from complaints.clocks import TABLE as CLOCKS
from repairs.tallies import REPAIR_MONTH

COMPLAINT_MONTH = Tally(
    name="complaint_month_count",
    table="reports_complaintmonth",
    source="complaints_complaint",
    dims=(
        ("estate_id", "{r}.estate_id"),
        ("month", month_of("received_at")),
        ("grade", "{r}.grade"),
        ("channel", "{r}.channel"),
        ("category", "{r}.category"),
        ("department_id", "{r}.department_id"),
        ("in_scope", "{r}.in_scope"),
        ("closure", "{r}.closure"),
        ("repeat", "{r}.repeat_of_id IS NOT NULL"),
        ("escalated", "{r}.escalated_to <> ''"),
    ),
    measures=(("n", "1"),),
    watched=(
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
    ),
)


def _clock_month(name: str, due: str, done: str) -> Tally:
    """A complaint's clock by the month of its deadline. Once met or closed its outcome
    is fixed: counted when met, or when the deadline ran out before the closure; late
    when met after the deadline, or not met and closed after it. Not met and open, it is
    ``pending``."""
    return Tally(
        name=f"clock_month_{name}",
        table="reports_clockmonth",
        source="complaints_complaint",
        dims=(
            ("estate_id", "{r}.estate_id"),
            ("clock", f"'{name}'"),
            ("month", month_of(due)),
        ),
        measures=(
            ("counted", flag(f"{{r}}.{done} IS NOT NULL OR {{r}}.{due} < {{r}}.closed_at")),
            (
                "late",
                flag(
                    f"{{r}}.{done} > {{r}}.{due} "
                    f"OR ({{r}}.{done} IS NULL AND {{r}}.{due} < {{r}}.closed_at)"
                ),
            ),
            ("pending", flag(f"{{r}}.{done} IS NULL AND {{r}}.closed_at IS NULL")),
        ),
        watched=("estate_id", due, done, "closed_at"),
        where=f"{{r}}.{due} IS NOT NULL",
    )


# The upgrade clock (``replans``) sets a new plan, not a promise to the resident: not
# counted.
COUNTED_CLOCKS = [c for c in CLOCKS.clocks if not c.replans]
CLOCK_MONTHS = [_clock_month(c.name, c.due, c.done) for c in COUNTED_CLOCKS]

LADDER_MONTH = Tally(
    name="ladder_month_count",
    table="reports_laddermonth",
    source="complaints_complaint",
    dims=(
        ("estate_id", "{r}.estate_id"),
        ("month", month_of("received_at")),
        ("person", "btrim({r}.target_staff)"),
        ("department_id", "{r}.target_department_id"),
    ),
    measures=(("n", "1"),),
    watched=("estate_id", "received_at", "target_staff", "target_department_id"),
    where="btrim({r}.target_staff) <> ''",
)

TALLIES = [
    COMPLAINT_MONTH,
    *CLOCK_MONTHS,
    LADDER_MONTH,
    CALLBACK_MONTH,
    CALLBACK_WEEK,
    REPAIR_MONTH,
]


def reading(sources: Iterable[str] | None = None) -> list[Tally]:
    """The tallies reading the tables ``sources`` (all when None)."""
    wanted = None if sources is None else set(sources)
    return [t for t in TALLIES if wanted is None or t.source in wanted]


def rebuild(sources: Iterable[str] | None = None) -> None:
    """Put the triggers on ``sources`` (table names; all when None) in place again with
    the time zone of the settings, and count every row again (after a bulk load with
    triggers off, or a change of time zone): one transaction."""
    tallies = reading(sources)
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in [*drop_sql(tallies), *create_sql(tallies), *rebuild_sql(tallies)]:
            cursor.execute(sql)
