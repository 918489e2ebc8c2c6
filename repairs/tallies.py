"""The month's closed repair orders the database keeps (``RepairMonth``,
``casework.tallies``): by month of report, department, technician and kind, with the sums
of ``repairs.figures``. A closed order is final (rework is a new order), so its figures no
longer depend on the time; the open ones are counted live."""

from __future__ import annotations

from casework.tallies import Tally, flag, month_of

_ARRIVED = "{r}.arrived_at IS NOT NULL"
_FINISHED = "{r}.finished_at IS NOT NULL AND {r}.arrived_at IS NOT NULL"
REPAIR_MONTH = Tally(
    name="repair_month_closed",
    table="repairs_repairmonth",
    source="repairs_repairorder",
    dims=(
        ("estate_id", "{r}.estate_id"),
        ("month", month_of("reported_at")),
        ("department_id", "{r}.department_id"),
        ("technician_id", "{r}.technician_id"),
        ("kind", "{r}.kind"),
    ),
    # As ``repairs.figures`` counts an order closed at ``closed_at``.
    measures=(
        ("orders", "1"),
        (
            "dispatch_counted",
            flag("{r}.dispatched_at IS NOT NULL OR {r}.dispatch_due < {r}.closed_at"),
        ),
        ("dispatch_on_time", flag("{r}.dispatched_at <= {r}.dispatch_due")),
        (
            "arrive_counted",
            flag(f"{_ARRIVED} OR {{r}}.arrive_due < {{r}}.closed_at OR {{r}}.arrival_missed"),
        ),
        ("arrive_on_time", flag("{r}.arrived_at <= {r}.arrive_due AND NOT {r}.arrival_missed")),
        ("arrived", flag(_ARRIVED)),
        (
            "to_arrive",
            f"CASE WHEN {_ARRIVED} THEN {{r}}.arrived_at - {{r}}.reported_at ELSE interval '0' END",
        ),
        ("finished", flag(_FINISHED)),
        (
            "to_finish",
            f"CASE WHEN {_FINISHED} THEN {{r}}.finished_at - {{r}}.arrived_at "
            "ELSE interval '0' END",
        ),
        (
            "revenue",
            "CASE WHEN {r}.kind = 'paid' AND {r}.receipt_number <> '' "
            "THEN coalesce({r}.fee_total, 0) ELSE 0 END",
        ),
    ),
    watched=(
        "estate_id",
        "reported_at",
        "department_id",
        "technician_id",
        "kind",
        "status",
        "closed_at",
        "dispatched_at",
        "dispatch_due",
        "arrived_at",
        "arrive_due",
        "arrival_missed",
        "finished_at",
        "receipt_number",
        "fee_total",
    ),
    where="{r}.status = 'closed'",
)
