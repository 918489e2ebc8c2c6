"""Every write to a repair order. Each has one shape: a transaction, the row locked with
``select_for_update``, the actor's right and the current state checked
(``permissions``: the same predicates the screens ask), the order saved with
``update_fields`` and its clocks (``TABLE.refresh``), and the event written to the
log in the same transaction. A refused action raises ``RepairError`` and writes nothing.
"""

from .base import Conflict, IllegalTransition, NotAllowed, RepairError, book_of
from .lifecycle import (
    repair_arrive,
    repair_cannot_now,
    repair_close,
    repair_dispatch,
    repair_feedback,
    repair_finish,
    repair_phone_resident,
    repair_report,
    repair_rework,
    repair_sign,
    repair_take,
)
from .permissions import (
    repair_can_arrive,
    repair_can_cannot_now,
    repair_can_close,
    repair_can_dispatch,
    repair_can_feedback,
    repair_can_finish,
    repair_can_phone_resident,
    repair_can_report,
    repair_can_rework,
    repair_can_sign,
    repair_can_take,
)

__all__ = [
    "Conflict",
    "IllegalTransition",
    "NotAllowed",
    "RepairError",
    "book_of",
    "repair_arrive",
    "repair_can_arrive",
    "repair_can_cannot_now",
    "repair_can_close",
    "repair_can_dispatch",
    "repair_can_feedback",
    "repair_can_finish",
    "repair_can_phone_resident",
    "repair_can_report",
    "repair_can_rework",
    "repair_can_sign",
    "repair_can_take",
    "repair_cannot_now",
    "repair_close",
    "repair_dispatch",
    "repair_feedback",
    "repair_finish",
    "repair_phone_resident",
    "repair_report",
    "repair_rework",
    "repair_sign",
    "repair_take",
]
