"""The numbers of inquiries and help requests (004 §4.4.2, §4.5), in one place.

    clock                       starts                          default
    request.referred            a supervisor is asked           5 minutes
    request.written             a written inquiry is received   2 days, answered in writing

Asked orally, a question is answered at once (recorded done when received); one the
desk cannot answer is answered within five minutes of asking a supervisor. An emergency
(004 §4.4.3, §4.6, §4.7) alerts the duty officers, the security head and the office
director the moment it is recorded.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from casework.models import Unit
from casework.rules import Rule, RuleSpec, register_rules

REFERRED = "request.referred"
WRITTEN = "request.written"

RULES = [
    RuleSpec(
        REFERRED,
        _("Inquiry or help: answer after asking a supervisor"),
        Rule(5, Unit.MINUTES, 0),
        "004 §4.4.2 a, §4.5.2",
    ),
    RuleSpec(
        WRITTEN,
        _("Written inquiry: answer in writing"),
        Rule(2, Unit.DAYS, 75),
        "004 §4.5.1",
    ),
]
register_rules(*RULES)

TEXT_LIMIT = 2000
# The same matter from the same unit, still open, within this many days is a second report.
SAME_MATTER_DAYS = 30
