"""What the callback screens show of a callback: its deadline badge (the clock engine's,
as on every case), the colours of its status and of a satisfaction, and one line of its
log in words."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from casework.display import ClockState, case_clock_states
from casework.display import deadline_cell as case_deadline_cell
from staff.access import has_capability
from staff.roles import USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW

from .. import rows
from ..clocks import CLOCK_LABELS, TABLE
from ..models import Callback, CallbackEvent, EventKind, Satisfaction, Status
from ..services import callback_can_record

register = template.Library()

STATUS_CSS: dict[str, str] = {
    Status.DUE: "text-bg-warning",
    Status.DONE: "text-bg-success",
    Status.UNREACHABLE: "text-bg-secondary",
    Status.NOT_NEEDED: "text-bg-light border",
}
SATISFACTION_CSS: dict[str, str] = {
    Satisfaction.SATISFIED: "success",
    Satisfaction.BASIC: "secondary",
    Satisfaction.NOT_SATISFIED: "danger",
}


@register.simple_tag
def callback_clocks(cb: Callback, now: dt.datetime | None = None) -> list[ClockState]:
    """``{% callback_clocks cb now as clocks %}``: the callback's clock with its badge."""
    return case_clock_states(cb, TABLE, CLOCK_LABELS, now)


@register.simple_tag(takes_context=True)
def callback_rows(context, callbacks, now: dt.datetime, can_call_back: bool) -> SafeString:
    """The table rows of the callback list (``callbacks.rows``)."""
    request = context.get("request")
    return rows.callback_rows(
        callbacks, now=now, can_call_back=can_call_back, user=getattr(request, "user", None)
    )


@register.simple_tag
def callback_deadline(cb: Callback, now: dt.datetime | None = None) -> SafeString:
    """A list row's deadline: the time left, or how long overdue."""
    return case_deadline_cell(case_clock_states(cb, TABLE, CLOCK_LABELS, now))


@register.filter
def status_css(status: str) -> str:
    return STATUS_CSS.get(status, "text-bg-light border")


@register.filter
def satisfaction_css(value: str) -> str:
    """A satisfaction's badge: ``text-bg-success``…"""
    return f"text-bg-{SATISFACTION_CSS.get(value, 'light')}"


@register.filter
def choice_button_css(value: str) -> str:
    """A radio drawn as a button: satisfied green, not satisfied red, others blue."""
    return f"btn-outline-{SATISFACTION_CSS.get(value, 'primary')}"


def _satisfaction(value: object) -> str:
    try:
        return str(Satisfaction(str(value)).label)
    except ValueError:
        return str(value or "")


@register.simple_tag
def callback_event_detail(e: CallbackEvent) -> str:
    """What the log line adds to its kind: which try, how satisfied, the rework's number,
    the earlier cases of the same matter."""
    data = e.data or {}
    if e.kind in (EventKind.NOT_REACHED, EventKind.UNREACHABLE) and data.get("tries"):
        return _("Try %(t)s") % {"t": data["tries"]}
    if e.kind == EventKind.DONE and data.get("satisfaction"):
        return _satisfaction(data["satisfaction"])
    if e.kind == EventKind.REWORK and data.get("rework"):
        return _("Rework order %(n)s") % {"n": data["rework"]}
    if e.kind == EventKind.ESCALATED and data.get("earlier"):
        return _("Raised before: %(n)s") % {"n": "、".join(str(n) for n in data["earlier"])}
    if e.kind == EventKind.NOT_NEEDED and data.get("reason") == "out_of_scope":
        return _("Out of the company's scope")
    return ""


@register.filter
def records_callback(user, cb: Callback) -> bool:
    """``{% if user|records_callback:cb %}``: the desk of its estate, while it is due."""
    return callback_can_record(user, cb)


@register.filter
def reads_callbacks(user) -> bool:
    """Whether the user opens the callback screens (the desk, the estate's managers)."""
    return any(has_capability(user, c) for c in (USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW))
