"""Every write to a complaint. Each transition has one shape: a transaction, the row
locked with ``select_for_update``, the actor's right and the current state checked,
the complaint saved with ``update_fields`` and the event written to the handling log
in the same transaction. A refused action raises ``ComplaintError`` and writes nothing.
"""

from .base import (
    DEADLINE_FIELDS,
    ESCALATION_RANK,
    ComplaintError,
    Conflict,
    IllegalTransition,
    NotAllowed,
    calendar_of,
    event_write,
    find_repeat,
    next_due,
    regrade_clocks,
)
from .handling import (
    APPROVER_CAPABILITY,
    can_decide,
    complaint_close,
    complaint_handle,
    complaint_inform,
    complaint_reopen,
    complaint_sign,
    extension_decide,
    extension_request,
)
from .intake import (
    complaint_close_on_the_spot,
    complaint_intake,
    complaint_mark_out_of_scope,
    complaint_receive,
    complaint_route,
)
from .supervision import complaint_add_note, complaint_escalate, complaint_regrade

__all__ = [
    "APPROVER_CAPABILITY",
    "DEADLINE_FIELDS",
    "ESCALATION_RANK",
    "ComplaintError",
    "Conflict",
    "IllegalTransition",
    "NotAllowed",
    "calendar_of",
    "can_decide",
    "complaint_add_note",
    "complaint_close",
    "complaint_close_on_the_spot",
    "complaint_escalate",
    "complaint_handle",
    "complaint_inform",
    "complaint_intake",
    "complaint_mark_out_of_scope",
    "complaint_receive",
    "complaint_regrade",
    "complaint_reopen",
    "complaint_route",
    "complaint_sign",
    "event_write",
    "extension_decide",
    "extension_request",
    "find_repeat",
    "next_due",
    "regrade_clocks",
]
