"""Every write to a complaint. Each transition has one shape: a transaction, the row
locked with ``select_for_update``, the actor's right and the current state checked
(``permissions``: the same predicates the screens ask), the complaint saved with
``update_fields`` and the event written to the handling log in the same transaction.
A refused action raises ``ComplaintError`` and writes nothing.
"""

from .base import (
    ComplaintError,
    Conflict,
    IllegalTransition,
    NotAllowed,
    book_of,
    find_repeat,
)
from .handling import (
    complaint_close,
    complaint_handle,
    complaint_inform,
    complaint_reopen,
    complaint_sign,
    extension_decide,
    extension_request,
)
from .intake import (
    OUTCOMES,
    complaint_close_on_the_spot,
    complaint_intake,
    complaint_mark_out_of_scope,
    complaint_receive,
    complaint_route,
)
from .permissions import (
    complaint_can_add_note,
    complaint_can_close,
    complaint_can_close_at_intake,
    complaint_can_decide_extension,
    complaint_can_escalate,
    complaint_can_extend,
    complaint_can_handle,
    complaint_can_inform,
    complaint_can_regrade,
    complaint_can_reopen,
    complaint_can_route,
    complaint_can_sign,
)
from .supervision import complaint_add_note, complaint_escalate, complaint_regrade

__all__ = [
    "OUTCOMES",
    "ComplaintError",
    "Conflict",
    "IllegalTransition",
    "NotAllowed",
    "book_of",
    "complaint_add_note",
    "complaint_can_add_note",
    "complaint_can_close",
    "complaint_can_close_at_intake",
    "complaint_can_decide_extension",
    "complaint_can_escalate",
    "complaint_can_extend",
    "complaint_can_handle",
    "complaint_can_inform",
    "complaint_can_regrade",
    "complaint_can_reopen",
    "complaint_can_route",
    "complaint_can_sign",
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
    "extension_decide",
    "extension_request",
    "find_repeat",
]
