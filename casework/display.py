"""How a case's clocks read on a page, whatever the kind of case: each clock's state
(running, due soon, overdue; met, done late; stopped) and its badge. Built in Python: the
badges run for every row of every list."""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

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


# The words of the badges, by key (written out here, where makemessages finds them).
_WORDS = {
    "day": lambda n: ngettext("%(n)d day", "%(n)d days", n) % {"n": n},
    "hour": lambda n: ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n},
    "minute": lambda n: ngettext("%(n)d minute", "%(n)d minutes", n) % {"n": n},
    "instant": lambda n: _("less than a minute"),
    "met": lambda n: _("met"),
    "late": lambda n: _("done late, %(t)s late"),
    "stopped": lambda n: _("not running: closed"),
    "overdue": lambda n: _("overdue by %(t)s"),
    "soon": lambda n: _("due soon, %(t)s left"),
    "left": lambda n: _("%(t)s left"),
}


@functools.lru_cache(maxsize=4096)
def _words(language: str | None, key: str, n: int = 0) -> str:
    """The words ``key`` in ``language`` (the active one, passed to key the cache): the
    badges ask for the same few words fifty times a page, each gettext costs microseconds."""
    return _WORDS[key](n)


def _how_long(start: dt.datetime, end: dt.datetime, language: str | None) -> str:
    """The time between, in its two largest units ("2 days 3 hours", "25 minutes").
    Built here rather than with timesince: it runs for every row of every list."""
    minutes = int((end - start).total_seconds() // 60)
    if minutes < 1:
        return _words(language, "instant")
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        _words(language, "day", days) if days else "",
        _words(language, "hour", hours) if hours else "",
        _words(language, "minute", minutes) if minutes and not days else "",
    ]
    return " ".join(p for p in parts if p)


def _badge(s: ClockState, language: str | None = None, zone: dt.tzinfo | None = None) -> SafeString:
    """The badge; ``language`` and ``zone``, the active ones, when a list has looked them
    up once for all its rows (each lookup goes through a context-local)."""
    local = s.due.astimezone(zone) if zone is not None else timezone.localtime(s.due)
    when = f"{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"
    lang = language or get_language()
    if s.state == MET:
        css, label = "text-bg-success", _words(lang, "met")
    elif s.state == LATE:
        assert s.done_at is not None
        css = "bg-danger-subtle text-danger-emphasis border border-danger"
        label = _words(lang, "late") % {"t": _how_long(s.due, s.done_at, lang)}
    elif s.state == STOPPED:
        css, label = "text-bg-light border", _words(lang, "stopped")
    elif s.state == OVERDUE:
        css = "text-bg-danger"
        label = _words(lang, "overdue") % {"t": _how_long(s.due, s.now, lang)}
    elif s.state == SOON:
        css = "text-bg-warning"
        label = _words(lang, "soon") % {"t": _how_long(s.now, s.due, lang)}
    else:
        css = "text-bg-light border"
        label = _words(lang, "left") % {"t": _how_long(s.now, s.due, lang)}
    # Built as a string (format_html's and mark_safe's lazy checks cost more than the
    # rest on a list of fifty rows): the state and classes are ours, the time is digits,
    # the label escaped.
    return SafeString(
        f'<span class="deadline" data-state="{s.state}">{when} '
        f'<span class="badge {css}">{html.escape(label)}</span></span>'
    )


def deadline_cell(
    states: list[ClockState], *, language: str | None = None, zone: dt.tzinfo | None = None
) -> SafeString:
    """A list row's deadline: the nearest clock still running; and the latest clock met
    late, so a closed case that was late does not look on time. A list passes the active
    ``language`` and ``zone``, looked up once for its rows."""
    running = [s for s in states if s.state in LIVE_STATES]
    late = [s for s in states if s.state == LATE]
    parts: list[str] = []
    if running:
        parts.append(_badge(min(running, key=lambda s: s.due), language, zone))
    if late:
        worst = max(late, key=lambda s: (s.done_at or s.due) - s.due)
        parts.append(
            f'<span class="small text-muted">{html.escape(str(worst.label))}</span> '
            f"{_badge(worst, language, zone)}"
        )
    # Strings rather than format_html, as for the badges; the label is escaped above.
    return SafeString("".join(f"<div>{part}</div>" for part in parts))
