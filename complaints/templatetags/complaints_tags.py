"""What the complaint screens and the printed form show of a complaint's clocks and of
its handling log. Built in Python: the badges run for every row of every list, and the
log reads the same on screen and on paper because both ask ``event_detail``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from staff.roles import Role

from ..clocks import CLOCK_LABELS, TABLE
from ..forms.actions import INFORM_METHODS
from ..models import Channel, Closure, Complaint, ComplaintEvent, EventKind, Grade

register = template.Library()

DUE_SOON = dt.timedelta(hours=4)

# The clocks' names (CLOCK_LABELS), which column holds each clock's deadline and its
# "done" moment are the clock table's business (``complaints.clocks``), read from there.

# Where a clock stands: running (with time left), soon, overdue; met, done late; or
# stopped (the complaint is closed and the clock was never met: nobody owes it now).
RUNNING, SOON, OVERDUE, MET, LATE, STOPPED = "running", "soon", "overdue", "met", "late", "stopped"
LIVE_STATES = {RUNNING, SOON, OVERDUE}


@dataclass(frozen=True)
class ClockState:
    name: str
    label: Any
    due: dt.datetime
    done_at: dt.datetime | None
    state: str
    now: dt.datetime

    @property
    def badge(self) -> SafeString:
        return _badge(self)


def due_state(due: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """'overdue', 'soon' (less than 4 hours left) or '' for a deadline still running."""
    if due is None:
        return ""
    now = now or timezone.now()
    if due < now:
        return OVERDUE
    if due - now < DUE_SOON:
        return SOON
    return ""


def clock_states(c: Complaint, now: dt.datetime | None = None) -> list[ClockState]:
    """Each clock the complaint has a deadline for, in the clock table's order."""
    now = now or timezone.now()
    live = TABLE.live(c)
    states = []
    for clock in TABLE.clocks:
        due = getattr(c, clock.due, None)
        if due is None:
            continue
        done_at = getattr(c, clock.done, None)
        if clock.replans and (done_at is not None or not live):
            continue  # "becomes major" is a moment to avoid, not a deadline to meet
        if done_at is not None:
            state = MET if done_at <= due else LATE
        elif not live:
            state = STOPPED
        else:
            state = due_state(due, now) or RUNNING
        states.append(ClockState(clock.name, CLOCK_LABELS[clock.name], due, done_at, state, now))
    return states


def _how_long(start: dt.datetime, end: dt.datetime) -> str:
    """The time between, in its two largest units ("2 days 3 hours", "25 minutes").
    Built here rather than with timesince: it runs for every row of every list."""
    minutes = int((end - start).total_seconds() // 60)
    if minutes < 1:
        return _("less than a minute")
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        ngettext("%(n)d day", "%(n)d days", days) % {"n": days} if days else "",
        ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours} if hours else "",
        ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        if minutes and not days
        else "",
    ]
    return " ".join(p for p in parts if p)


def _badge(s: ClockState) -> SafeString:
    when = timezone.localtime(s.due).strftime("%m-%d %H:%M")
    if s.state == MET:
        css, label = "text-bg-success", _("met")
    elif s.state == LATE:
        assert s.done_at is not None
        css = "bg-danger-subtle text-danger-emphasis border border-danger"
        label = _("done late, %(t)s late") % {"t": _how_long(s.due, s.done_at)}
    elif s.state == STOPPED:
        css, label = "text-bg-light border", _("not running: closed")
    elif s.state == OVERDUE:
        css, label = "text-bg-danger", _("overdue by %(t)s") % {"t": _how_long(s.due, s.now)}
    elif s.state == SOON:
        css, label = "text-bg-warning", _("due soon, %(t)s left") % {"t": _how_long(s.now, s.due)}
    else:
        css, label = "text-bg-light border", _("%(t)s left") % {"t": _how_long(s.now, s.due)}
    # Built as a string (format_html's lazy checks cost more than the rest on a list of
    # fifty rows): the state and classes are ours, the time is digits, the label escaped.
    return mark_safe(  # noqa: S308
        f'<span class="deadline" data-state="{s.state}">{when} '
        f'<span class="badge {css}">{escape(label)}</span></span>'
    )


@register.simple_tag
def complaint_clocks(c: Complaint, now: dt.datetime | None = None) -> list[ClockState]:
    """``{% complaint_clocks c now as clocks %}``: every clock with its badge."""
    return clock_states(c, now)


@register.simple_tag
def deadline_cell(c: Complaint, now: dt.datetime | None = None) -> SafeString:
    """A list row's deadline: the nearest clock still running; and the latest clock met
    late, so a closed complaint that was late does not look on time."""
    states = clock_states(c, now)
    running = [s for s in states if s.state in LIVE_STATES]
    late = [s for s in states if s.state == LATE]
    parts = []
    if running:
        parts.append(min(running, key=lambda s: s.due).badge)
    if late:
        worst = max(late, key=lambda s: (s.done_at or s.due) - s.due)
        parts.append(
            format_html('<span class="small text-muted">{}</span> {}', worst.label, worst.badge)
        )
    return format_html_join("", "<div>{}</div>", ((part,) for part in parts))


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


@register.filter
def tel_href(phone: str) -> str:
    """``tel:`` and the digits (and a leading +) of a phone number as staff typed it."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit() or ch == "+")
    return f"tel:{digits}" if digits else ""


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
    return str(_label(Closure, d.get("closure"))) if d.get("closure") else ""


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


GRADE_CSS = {
    "minor": "text-bg-secondary",
    "important": "text-bg-warning",
    "major": "text-bg-danger",
}


@register.filter
def grade_css(grade):
    return GRADE_CSS.get(grade, "text-bg-secondary")
