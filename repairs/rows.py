"""Repair orders as lines of a page, written in Python (casework.rows says why).

The technician's order cards: up to sixty cards through a template include each cost
more than the rest of the page on a phone's page that reloads after every tap (the
markup is the one ``_order_card.html`` had). A unit's earlier orders (``unit_order_items``,
on an order's page and beside the desk's form): twenty lines, 9 ms through the template.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import FETCH_PEERS, QuerySet
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from casework.display import case_clock_states, deadline_cell
from casework.rows import escape, truncate, url_parts
from staff.templatetags.staff_tags import person

from .clocks import CLOCK_LABELS, TABLE
from .models import Fault, RepairOrder, Status, Urgency

# Repair clocks run in minutes: "soon" is the last ten of them.
SOON = dt.timedelta(minutes=10)
URGENCY_CSS: dict[str, str] = {
    Urgency.EMERGENCY: "text-bg-danger",
    Urgency.URGENT: "text-bg-warning",
    Urgency.APPOINTMENT: "text-bg-info",
}


def next_tap(o: RepairOrder, *, to_take: bool) -> str:
    """The one step the card offers: take an order open to take or dispatched to him,
    say he has arrived at one he took; nothing once he is on site."""
    if to_take or o.status == Status.DISPATCHED:
        return "take"
    return "arrive" if o.status == Status.TAKEN else ""


def order_cards(
    orders: Iterable[RepairOrder], *, now: dt.datetime, request, to_take: bool = False
) -> SafeString:
    """The ``<li>`` card of each order, with its one-tap form."""
    detail = url_parts("repairs:detail")
    act = {a: url_parts("repairs:act", a) for a in ("take", "arrive")}
    labels = {"take": escape(_("Take it (接单)")), "arrive": escape(_("I have arrived (到场)"))}
    urgencies = {k: escape(v) for k, v in Urgency.choices}
    faults = {k: escape(v) for k, v in Fault.choices}
    statuses = {k: escape(v) for k, v in Status.choices}
    appointment = escape(_("appointment"))
    csrf = escape(get_token(request)) if request is not None else ""
    language, zone = get_language(), timezone.get_current_timezone()
    out = []
    for o in orders:
        pk = o.pk
        unit = f"<strong>{escape(o.unit.label)}</strong> " if o.unit_id and o.unit else ""
        when = (
            f" · {appointment} {timezone.localtime(o.appointment_at):%m-%d %H:%M}"
            if o.appointment_at
            else ""
        )
        action = next_tap(o, to_take=to_take)
        form = (
            f'<form method="post" action="{act[action][0]}{pk}{act[action][1]}" class="mt-2" '
            f'data-testid="quick-{action}"><input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{csrf}"><button type="submit" class="btn btn-primary w-100 btn-lg">'
            f"{labels[action]}</button></form>"
            if action
            else ""
        )
        clocks = deadline_cell(
            case_clock_states(o, TABLE, CLOCK_LABELS, now, SOON), language=language, zone=zone
        )
        out.append(
            '<li class="card repair-card order-line'
            f'{" is-emergency" if o.urgency == Urgency.EMERGENCY else ""}" '
            'data-testid="order-card"><div class="card-body p-2">'
            '<div class="d-flex justify-content-between align-items-baseline gap-2">'
            f'<a class="fw-semibold" href="{detail[0]}{pk}{detail[1]}">{escape(o.number)}</a>'
            f'<span class="badge {URGENCY_CSS.get(o.urgency, "text-bg-secondary")}">'
            f"{urgencies.get(o.urgency, escape(o.urgency))}</span></div>"
            f'<div class="small">{unit}{escape(o.location)} · '
            f"{faults.get(o.fault, escape(o.fault))}</div>"
            f'<div class="small text-muted">{statuses.get(o.status, escape(o.status))}{when}'
            f'</div><div class="small">{clocks}</div>{form}</div></li>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


# What ``unit_order_items`` reads of an order and its technician: a unit's twenty orders
# built whole read every column, long texts and the signature included.
UNIT_ORDER_READS = (
    *("number", "reported_at", "fault", "status", "closed_at", "root_cause_flag"),
    *("description", "technician__first_name", "technician__last_name"),
    "technician__username",
)


def unit_orders_read(qs: QuerySet[RepairOrder]) -> QuerySet[RepairOrder]:
    """``qs`` narrowed to what ``unit_order_items`` shows, with the technician; should a
    line ever ask for a column left out, it is read for all the lines at once."""
    return qs.select_related("technician").only(*UNIT_ORDER_READS).fetch_mode(FETCH_PEERS)


def unit_order_items(orders: Iterable[RepairOrder]) -> SafeString:
    """The ``<li>`` of each of a unit's orders (technician selected with them): number,
    reported day, fault, state, technician, the root-cause flag and the description."""
    detail = url_parts("repairs:detail")
    faults = {k: escape(v) for k, v in Fault.choices}
    statuses = {k: escape(v) for k, v in Status.choices}
    again = escape(_("Same fault again (查清原因)"))
    out = []
    for r in orders:
        who = (
            f'<span class="text-nowrap">· {escape(person(r.technician))}</span>'
            if r.technician_id is not None and r.technician is not None
            else ""
        )
        out.append(
            f'<li class="mb-1" data-repair="{r.pk}">'
            f'<a href="{detail[0]}{r.pk}{detail[1]}">{escape(r.number)}</a> '
            '<span class="text-muted text-nowrap">'
            f"{timezone.localtime(r.reported_at):%Y-%m-%d}</span> "
            f"· {faults.get(r.fault, escape(r.fault))} · "
            f'<span class="{"text-muted" if r.closed_at else "fw-semibold"}">'
            f"{statuses.get(r.status, escape(r.status))}</span> {who} "
            + (f'<span class="badge text-bg-warning">{again}</span>' if r.root_cause_flag else "")
            + f'<div class="text-body-secondary">{escape(truncate(r.description, 60))}</div>'
            "</li>\n"
        )
    if not out:
        out.append(f'<li class="text-muted">{escape(_("No earlier repair orders."))}</li>')
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
