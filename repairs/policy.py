"""The repair clocks' numbers (SPEC §5), in one place.

The numbers are the seeds' defaults; managers change them in the admin (rule book,
``casework.ClockRule``, keys ``repair.*``). ``repairs.clocks`` turns them into deadlines.

    clock                      starts       default
    repair.dispatch            reported     2 minutes    (004 §4.2.7.1)
    repair.arrive_urgent       dispatched   15 minutes   (004 §4.2.7.2; water and power, 003)
    repair.arrive_emergency    dispatched   5 minutes    (004 §4.2.7.2: 特殊情况的紧急维修)
    (appointment arrival)      —            at the agreed time (no rule)
    repair.feedback            work done    20 minutes   (004 §4.2.7.3)
    repair.promise_call        cannot now   30 minutes   (ours: 004 §4.2.7.4 says 及时)
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from casework.models import Unit
from casework.rules import Rule, RuleSpec, register_rules

from .models import Urgency

DISPATCH = "repair.dispatch"
ARRIVE_URGENT = "repair.arrive_urgent"
ARRIVE_EMERGENCY = "repair.arrive_emergency"
FEEDBACK = "repair.feedback"
PROMISE_CALL = "repair.promise_call"

RULES = [
    RuleSpec(
        DISPATCH,
        _("Repair: record it and tell engineering (记录并通知维修班)"),
        Rule(2, Unit.MINUTES, 75),
        "004 §4.2.7.1",
    ),
    RuleSpec(
        ARRIVE_URGENT,
        _("Repair: technician on site, urgent (急修到场)"),
        Rule(15, Unit.MINUTES, 75),
        "004 §4.2.7.2, 003",
    ),
    RuleSpec(
        ARRIVE_EMERGENCY,
        _("Repair: technician on site, special emergency (紧急维修到场)"),
        Rule(5, Unit.MINUTES, 75),
        "004 §4.2.7.2",
    ),
    RuleSpec(
        FEEDBACK,
        _("Repair: feedback to the desk after the work (完工反馈)"),
        Rule(20, Unit.MINUTES, 75),
        "004 §4.2.7.3",
    ),
    RuleSpec(
        PROMISE_CALL,
        _("Repair: the desk phones the resident when it cannot be done now (电话通知住户)"),
        # Our default: the manual says "at once" (及时) without a number.
        Rule(30, Unit.MINUTES, 75),
        "004 §4.2.7.4（及时；30 分钟为本公司默认）",
    ),
]
register_rules(*RULES)

ARRIVE_CLOCK: dict[str, str] = {
    Urgency.URGENT: ARRIVE_URGENT,
    Urgency.EMERGENCY: ARRIVE_EMERGENCY,
}
# The same fault at the same unit within this window asks for its root cause (003).
ROOT_CAUSE_WINDOW = dt.timedelta(days=30)


def arrive_rule(urgency: str) -> str | None:
    """The rule of the arrival clock; an appointment is due at its time (no rule)."""
    return ARRIVE_CLOCK.get(urgency)


# Paid work: what a fee line and an order may hold.
MAX_FEE_LINES = 20
MAX_UNIT_PRICE = 99_999
MAX_QUANTITY = 9_999
# What a line and an order may come to (the columns hold up to 99,999,999.99).
MAX_AMOUNT = 999_999
MAX_TOTAL = 9_999_999
# Photos: what is accepted, and the size they are kept at (a slow phone sees them too).
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_SIDE = 1600
PHOTOS_PER_ORDER = 12
SIGNATURE_MAX_BYTES = 300 * 1024
