"""Forms of the complaint desk: intake, the actions on a complaint, the list's filters.
They check types and choices; the services check the rules."""

from .actions import (
    ExtensionDecisionForm,
    ExtensionRequestForm,
    HandleForm,
    InformForm,
    NoteForm,
    OptionalNoteForm,
    ReasonForm,
    RegradeForm,
    RouteForm,
)
from .filters import ComplaintFilterForm
from .intake import OUTCOMES, IntakeForm
from .widgets import DateTimeLocalInput

__all__ = [
    "OUTCOMES",
    "ComplaintFilterForm",
    "DateTimeLocalInput",
    "ExtensionDecisionForm",
    "ExtensionRequestForm",
    "HandleForm",
    "InformForm",
    "IntakeForm",
    "NoteForm",
    "OptionalNoteForm",
    "ReasonForm",
    "RegradeForm",
    "RouteForm",
]
