"""How a case's clocks read on a page, whatever the kind of case: each clock's state
(running, due soon, overdue; met, done late; stopped) and its badge. Built in Python: the
badges run for every row of every list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .clocks import ClockTable

DUE_SOON = dt.timedelta(hours=4)

# The clocks' names (CLOCK_LABELS), which column holds each clock's deadline and its
# "done" moment are the clock table's business (each kind of case has its own), read from there.

# Where a clock stands: running (with time left), soon, overdue; met, done late; or
# stopped (the case is closed and the clock was never met: nobody owes it now).
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


def due_state(
    due: dt.datetime | None, now: dt.datetime | None = None, soon: dt.timedelta = DUE_SOON
) -> str:
    """'overdue', 'soon' (less than ``soon`` left) or '' for a deadline still running."""
    if due is None:
        return ""
    now = now or timezone.now()
    if due < now:
        return OVERDUE
    if due - now < soon:
        return SOON
    return ""


def case_clock_states(
    c: Any,
    table: ClockTable,
    labels: Mapping[str, Any],
    now: dt.datetime | None = None,
    soon: dt.timedelta = DUE_SOON,
) -> list[ClockState]:
    """Each clock the case has a deadline for, in its clock table's order; "soon" when
    less than ``soon`` is left (hours for a slow clock, minutes for a fast one)."""
    now = now or timezone.now()
    live = table.live(c)
    states = []
    for clock in table.clocks:
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
            state = due_state(due, now, soon) or RUNNING
        states.append(ClockState(clock.name, labels[clock.name], due, done_at, state, now))
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


def deadline_cell(states: list[ClockState]) -> SafeString:
    """A list row's deadline: the nearest clock still running; and the latest clock met
    late, so a closed case that was late does not look on time."""
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
