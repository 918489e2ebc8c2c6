"""What the repair screens and the printed form show of an order's clocks and log."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from casework.display import ClockState, case_clock_states
from casework.display import deadline_cell as case_deadline_cell

from .. import rows
from ..clocks import CLOCK_LABELS, TABLE
from ..models import (
    EventKind,
    Fault,
    Photo,
    RepairKind,
    RepairOrder,
    RepairOrderEvent,
    Source,
    Urgency,
)
from ..rows import SOON, URGENCY_CSS

register = template.Library()


def clock_states(o: RepairOrder, now: dt.datetime | None = None) -> list[ClockState]:
    return case_clock_states(o, TABLE, CLOCK_LABELS, now, SOON)


@register.simple_tag
def repair_clocks(o: RepairOrder, now: dt.datetime | None = None) -> list[ClockState]:
    """``{% repair_clocks o now as clocks %}``: every clock with its badge."""
    return clock_states(o, now)


@register.simple_tag(takes_context=True)
def order_cards(context, orders, now: dt.datetime, to_take: bool = False) -> SafeString:
    """The technician's order cards (``repairs.rows``)."""
    return rows.order_cards(orders, now=now, request=context.get("request"), to_take=to_take)


@register.simple_tag
def unit_order_items(orders) -> SafeString:
    return rows.unit_order_items(orders)


@register.simple_tag
def repair_deadline(o: RepairOrder, now: dt.datetime | None = None) -> SafeString:
    """A row's deadline: the nearest running clock, and one met late."""
    return case_deadline_cell(clock_states(o, now))


@register.filter
def urgency_css(urgency: str) -> str:
    return URGENCY_CSS.get(urgency, "text-bg-secondary")


def _choice(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


@register.simple_tag
def repair_event_detail(e: RepairOrderEvent) -> str:
    """One line of what an event's details say, the same on screen and on paper."""
    d = e.data or {}
    if e.kind == EventKind.REPORTED:
        parts = [
            _choice(Source, d.get("source")),
            _choice(Urgency, d.get("urgency")),
            _choice(Fault, d.get("fault")),
        ]
        if d.get("complaint"):
            parts.append(_("from complaint %(n)s") % {"n": d["complaint"]})
        if d.get("rework_of"):
            parts.append(_("rework of %(n)s") % {"n": d["rework_of"]})
        return " · ".join(parts)
    if e.kind == EventKind.DISPATCHED:
        if d.get("published"):
            return _("Open to take (抢单)")
        how = _("in turn (轮派)") if d.get("round_robin") else ""
        return " ".join(p for p in (_("To %(t)s") % {"t": d.get("technician") or "—"}, how) if p)
    if e.kind == EventKind.TRANSFERRED:
        return _("From %(a)s to %(b)s") % {"a": d.get("before") or "—", "b": d.get("technician")}
    if e.kind in (EventKind.FEES, EventKind.FEE_CONFIRMED, EventKind.PAID):
        text = _("Total %(t)s 元") % {"t": d.get("total")}
        if d.get("resident"):
            text += " · " + _("agreed by %(r)s") % {"r": d["resident"]}
        if d.get("receipt"):
            text += " · " + _("receipt %(r)s") % {"r": d["receipt"]}
        return text
    if e.kind == EventKind.FINISHED:
        return _choice(RepairKind, d.get("repair_kind"))
    if e.kind == EventKind.SIGNED:
        if d.get("drawn"):
            return _("Signed on the screen")
        if d.get("signed_name"):
            return _("Signed: %(n)s") % {"n": d["signed_name"]}
        return _("Not signed: %(r)s") % {"r": d.get("unsigned_reason") or "—"}
    if e.kind == EventKind.CANNOT_NOW:
        return _("Promised for %(t)s") % {"t": (d.get("promised_at") or "")[:16].replace("T", " ")}
    if e.kind == EventKind.OVERDUE:
        label = CLOCK_LABELS.get(d.get("clock", ""), d.get("clock", ""))
        return _("%(clock)s was due %(t)s") % {
            "clock": label,
            "t": (d.get("due") or "")[:16].replace("T", " "),
        }
    if e.kind == EventKind.REWORK:
        return _("Redone as %(n)s") % {"n": d.get("rework")}
    if e.kind == EventKind.ROOT_CAUSE:
        return _("Same fault as %(n)s") % {"n": d.get("earlier")}
    if e.kind == EventKind.WARRANTY_SENT:
        return d.get("contractor") or ""
    if e.kind == EventKind.PHOTO:
        return _choice(Photo.Stage, d.get("stage"))
    return ""
