"""What the complaint screens and the printed form show of a complaint's clocks and of
its handling log. Built in Python: the badges run for every row of every list, and the
log reads the same on screen and on paper because both ask ``event_detail``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from casework.display import ClockState, case_clock_states
from casework.display import deadline_cell as case_deadline_cell
from casework.display import due_state as due_state
from staff.roles import Role

from .. import rows
from ..clocks import CLOCK_LABELS, TABLE
from ..forms.actions import INFORM_METHODS
from ..models import Channel, Closure, Complaint, ComplaintEvent, EventKind, Grade

register = template.Library()


def clock_states(c: Complaint, now: dt.datetime | None = None) -> list[ClockState]:
    """Each clock the complaint has a deadline for, in the clock table's order."""
    return case_clock_states(c, TABLE, CLOCK_LABELS, now)


@register.simple_tag
def complaint_clocks(c: Complaint, now: dt.datetime | None = None) -> list[ClockState]:
    """``{% complaint_clocks c now as clocks %}``: every clock with its badge."""
    return clock_states(c, now)


@register.simple_tag
def deadline_cell(c: Complaint, now: dt.datetime | None = None) -> SafeString:
    """A list row's deadline (``casework.display.deadline_cell``)."""
    return case_deadline_cell(clock_states(c, now))


_CHOICE_LABELS: dict[tuple[type, str], dict[Any, Any]] = {}


@register.filter
def display(obj: Any, field: str) -> str:
    """``{{ c|display:"status" }}``: get_FOO_display without rebuilding the field's
    choices on every call (list rows call it three times each)."""
    key = (type(obj), field)
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        labels = _CHOICE_LABELS[key] = dict(obj._meta.get_field(field).flatchoices)
    value = getattr(obj, field)
    return str(labels.get(value, value))


# --- the handling log ----------------------------------------------------------------


def _moment(value: object) -> str:
    """A moment the event's data keeps as ISO text, as people read it."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_naive(moment):
        return date_format(moment, "Y-m-d H:i")
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _label(choices: Any, value: object) -> str:
    """The words of a stored choice; the stored value when it is not (or no longer) one."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _received(d: dict) -> str:
    text = _("By %(channel)s") % {"channel": _label(Channel, d.get("channel"))}
    if d.get("repeat_of"):
        text += _("; repeat of %(number)s") % {"number": d["repeat_of"]}
    return text


def _graded(d: dict) -> str:
    return _("Graded %(grade)s") % {"grade": _label(Grade, d.get("grade"))}


def _regraded(d: dict) -> str:
    return _("From %(previous)s to %(grade)s") % {
        "previous": _label(Grade, d.get("previous")),
        "grade": _label(Grade, d.get("grade")),
    }


def _routed(d: dict) -> str:
    if d.get("previous"):
        return _("Passed from %(previous)s to %(department)s") % {
            "previous": d["previous"],
            "department": d.get("department", ""),
        }
    return _("Sent to %(department)s") % {"department": d.get("department", "")}


def _escalated(d: dict) -> str:
    to = _label(Role, d.get("to"))
    if d.get("automatic"):
        return _("Passed to %(to)s automatically: the deadline to escalate had passed") % {"to": to}
    return _("Passed to %(to)s") % {"to": to}


def _extension_requested(d: dict) -> str:
    return _(
        "Asks for time until %(deadline)s; interim measure: %(measure)s; "
        "to be decided by %(approver)s"
    ) % {
        "deadline": _moment(d.get("new_deadline")),
        "measure": d.get("interim_measure", ""),
        "approver": _label(Role, d.get("approver")),
    }


def _extension_approved(d: dict) -> str:
    if d.get("previous"):
        return _("Resolve deadline moved from %(previous)s to %(deadline)s") % {
            "previous": _moment(d["previous"]),
            "deadline": _moment(d.get("new_deadline")),
        }
    return _("Resolve deadline now %(deadline)s") % {"deadline": _moment(d.get("new_deadline"))}


def _informed(d: dict) -> str:
    methods = {value: str(label) for value, label in INFORM_METHODS}
    method = str(d.get("method") or "")
    return _("Told by %(method)s") % {"method": methods.get(method, method)}


def _closed(d: dict) -> str:
    text = str(_label(Closure, d.get("closure"))) if d.get("closure") else ""
    if d.get("override"):
        over = _("closed with repair orders still open: %(numbers)s") % {
            "numbers": "、".join(d.get("open_repairs") or [])
        }
        text = f"{text} · {over}" if text else over
    return text


def _overdue(d: dict) -> str:
    clock = d.get("clock")
    label = CLOCK_LABELS.get(clock, clock or "") if isinstance(clock, str) else ""
    return _("Deadline missed: %(clock)s, due %(due)s") % {
        "clock": label,
        "due": _moment(d.get("due")),
    }


def _repeat_prompted(d: dict) -> str:
    number = d.get("repeat_of") or ""
    if d.get("escalated"):
        return _("Raised again (repeat of %(number)s): passed to %(to)s") % {
            "number": number,
            "to": _label(Role, d.get("to")),
        }
    return _("Raised again (repeat of %(number)s): not escalated") % {"number": number}


def _harm_alerted(d: dict) -> str:
    who = "、".join(str(name) for name in d.get("recipients") or [])
    return _("Alerted to stop the harm: %(who)s") % {"who": who or d.get("department") or "—"}


# One sentence per kind of event, from the keys ``complaints.events`` writes.
EVENT_DETAILS: dict[str, Callable[[dict], str]] = {
    "repeat_prompted": _repeat_prompted,
    "harm_alerted": _harm_alerted,
    EventKind.RECEIVED: _received,
    EventKind.GRADED: _graded,
    EventKind.REGRADED: _regraded,
    EventKind.ROUTED: _routed,
    EventKind.ESCALATED: _escalated,
    EventKind.EXTENSION_REQUESTED: _extension_requested,
    EventKind.EXTENSION_APPROVED: _extension_approved,
    EventKind.INFORMED: _informed,
    EventKind.CLOSED: _closed,
    EventKind.OVERDUE: _overdue,
}


@register.simple_tag
def event_detail(e: ComplaintEvent) -> str:
    """What happened, in words, as the paper 《投诉处置记录表》 would say it (the note
    is shown beside it)."""
    build = EVENT_DETAILS.get(e.kind)
    return build(e.data or {}) if build else ""


@register.simple_tag(takes_context=True)
def complaint_rows(context, complaints, now=None, in_queue=False, signable=()) -> SafeString:
    """The table rows of a list of complaints (``complaints.rows``)."""
    return rows.complaint_rows(
        complaints,
        now=now or timezone.now(),
        in_queue=in_queue,
        signable=signable or (),
        request=context.get("request"),
    )


@register.filter
def grade_css(grade):
    return rows.GRADE_CSS.get(grade, "text-bg-secondary")
