"""The month's callbacks the database keeps (``CallbackMonth``, ``casework.tallies``): by
the month they fell due in and what ``callbacks.rates`` tells apart."""

from __future__ import annotations

from casework.tallies import Tally, month_of

CALLBACK_MONTH = Tally(
    name="callback_month_count",
    table="callbacks_callbackmonth",
    source="callbacks_callback",
    dims=(
        ("estate_id", "{r}.estate_id"),
        ("month", month_of("opened_at")),
        ("department_id", "{r}.department_id"),
        ("kind", "{r}.kind"),
        ("status", "{r}.status"),
        ("satisfaction", "{r}.satisfaction"),
        ("method", "{r}.method"),
    ),
    measures=(("n", "1"),),
    watched=(
        "estate_id",
        "opened_at",
        "department_id",
        "kind",
        "status",
        "satisfaction",
        "method",
    ),
)
