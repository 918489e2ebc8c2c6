"""The callbacks the database keeps counted (``casework.tallies``): by the month they fell
due in and what ``callbacks.rates`` tells apart (``CallbackMonth``), and the repair
callbacks by hand-in week and status (``CallbackWeek``)."""

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

# The hand-in weeks beside the desk's list (callbacks.views): the repair callbacks by
# estate, week and status.
CALLBACK_WEEK = Tally(
    name="callback_week_count",
    table="callbacks_callbackweek",
    source="callbacks_callback",
    dims=(
        ("estate_id", "{r}.estate_id"),
        ("week_of", "{r}.week_of"),
        ("status", "{r}.status"),
    ),
    measures=(("n", "1"),),
    watched=("estate_id", "week_of", "status", "kind"),
    where="{r}.kind = 'repair' AND {r}.week_of IS NOT NULL",
)
