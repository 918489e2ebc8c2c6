"""The callbacks' numbers (SPEC §6), in one place.

    clock              starts                         default
    callback.due       complaint closed / work done   3 working days

Tries: a resident not reached is tried again, ``CALLBACK_MAX_TRIES`` times in all
(settings, from the environment; 3 by default), then recorded as unreachable.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from casework.models import Unit
from casework.rules import Rule, RuleSpec, register_rules

DUE = "callback.due"

RULES = [
    RuleSpec(
        DUE,
        _("Callback: call the resident back (回访)"),
        Rule(3, Unit.WORKING_DAYS, 75),
        "003 §5, 004 §4.2.6（3 个工作日为本公司默认）",
    ),
]
register_rules(*RULES)

# Targets (003 §5.5, 004 §4.2.9.2, 003 §8), in percent.
COMPLAINT_RATE_TARGET = 60
REPAIR_RATE_TARGET = 100
HANDLING_RATE_TARGET = 100

# The same matter raised again within this window is told to the office director.
REPEAT_WINDOW = dt.timedelta(days=90)
NOTE_LIMIT = 2000


def max_tries() -> int:
    return int(getattr(settings, "CALLBACK_MAX_TRIES", 3))
