"""What the desk reads: its requests, the open items a handover carries, and the morning
review (000 §9.1: 翻阅前一天的工程维修项目、投诉记录，跟进未完成项目). Each list is one
query on an index of its kind of case, with a limit; the counts say how many in all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from callbacks.models import Callback
from callbacks.models import Status as CallbackStatus
from complaints.models import Complaint
from complaints.models import Status as ComplaintStatus
from repairs.models import RepairOrder
from repairs.models import Status as RepairStatus
from staff.access import estates_for
from staff.templatetags.staff_tags import person

from .models import Request, Status

ITEM_LIMIT = 100
# A handover carries what falls due within the next shift.
NEXT_SHIFT = dt.timedelta(hours=12)


def requests_for(user) -> QuerySet[Request]:
    """The requests of the estates the user sees."""
    return Request.objects.filter(estate__in=estates_for(user))


def _day(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def _due(at: dt.datetime | None) -> dict[str, str | None]:
    """A deadline as stored in a handover: local time, sortable, and as people read it."""
    if at is None:
        return {"due": None, "due_label": ""}
    local = timezone.localtime(at)
    return {"due": local.isoformat(), "due_label": local.strftime("%m-%d %H:%M")}


def _person(user) -> str:
    return person(user) if user else ""


def _complaint(c: Complaint) -> dict[str, Any]:
    return {
        "type": "complaint",
        "type_label": _("Complaint"),
        "number": c.number,
        "what": c.description[:60],
        **_due(c.next_due),
        "owner": _person(c.received_by),
        "link": reverse("complaints:detail", args=[c.pk]),
    }


def _repair(o: RepairOrder) -> dict[str, Any]:
    return {
        "type": "repair",
        "type_label": _("Repair"),
        "number": o.number,
        "what": o.description[:60],
        **_due(o.next_due),
        "owner": _person(o.reported_by),
        "link": reverse("repairs:detail", args=[o.pk]),
    }


def _callback(cb: Callback) -> dict[str, Any]:
    case = cb.complaint if cb.complaint_id else cb.repair_order
    return {
        "type": "callback",
        "type_label": _("Callback"),
        "number": str(case),
        "what": cb.get_kind_display(),
        **_due(cb.callback_due),
        "owner": "",
        "link": reverse("callbacks:record", args=[cb.pk]),
    }


def _request(r: Request) -> dict[str, Any]:
    return {
        "type": "request",
        "type_label": r.get_kind_display(),
        "emergency": r.is_emergency,
        "number": r.number,
        "what": r.question[:60],
        **_due(r.answer_due),
        "owner": _person(r.received_by),
        "link": reverse("helpdesk:detail", args=[r.pk]),
    }


def _complaints(estate_id: int) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(estate_id=estate_id)
        .exclude(status=ComplaintStatus.CLOSED)
        .select_related("received_by")
        .only("pk", "number", "description", "next_due", "received_by")
    )


def _repairs(estate_id: int) -> QuerySet[RepairOrder]:
    return (
        RepairOrder.objects.filter(estate_id=estate_id)
        .exclude(status=RepairStatus.CLOSED)
        .select_related("reported_by")
        .only("pk", "number", "description", "next_due", "reported_by")
    )


def _callbacks(estate_id: int) -> QuerySet[Callback]:
    return Callback.objects.filter(estate_id=estate_id, status=CallbackStatus.DUE).select_related(
        "complaint", "repair_order"
    )


def _requests(estate_id: int) -> QuerySet[Request]:
    return Request.objects.filter(estate_id=estate_id, status=Status.OPEN).select_related(
        "received_by"
    )


def _section(key: str, title: str, qs: QuerySet, row) -> dict[str, Any]:
    rows = [row(x) for x in qs[:ITEM_LIMIT]]
    count = len(rows) if len(rows) < ITEM_LIMIT else qs.count()
    return {"key": key, "title": title, "rows": rows, "count": count}


def open_items(estate_id: int, now: dt.datetime) -> list[dict[str, Any]]:
    """What a handover carries, as it stands at ``now``: every open request, and the
    complaints, repair orders and callbacks overdue or falling due within the next
    shift; the nearest deadline first."""
    until = now + NEXT_SHIFT
    items = [_request(r) for r in _requests(estate_id).order_by("received_at")[:ITEM_LIMIT]]
    items += [
        _complaint(c)
        for c in _complaints(estate_id).filter(next_due__lt=until).order_by("next_due")[:ITEM_LIMIT]
    ]
    items += [
        _repair(o)
        for o in _repairs(estate_id).filter(next_due__lt=until).order_by("next_due")[:ITEM_LIMIT]
    ]
    items += [
        _callback(cb)
        for cb in _callbacks(estate_id)
        .filter(callback_due__lt=until)
        .order_by("callback_due")[:ITEM_LIMIT]
    ]
    return sorted(items, key=lambda i: (i["due"] is None, i["due"] or "", i["number"]))


def morning_review(estate_id: int, day: dt.date) -> dict[str, list[dict[str, Any]]]:
    """The desk's first look of ``day``: what came in the day before and is not finished,
    and what falls due today."""
    y_start, y_end = _day(day - dt.timedelta(days=1))
    t_start, t_end = _day(day)
    unfinished = [
        _section(
            "complaints",
            _("Complaints"),
            _complaints(estate_id)
            .filter(received_at__gte=y_start, received_at__lt=y_end)
            .order_by("received_at"),
            _complaint,
        ),
        _section(
            "repairs",
            _("Repair orders"),
            _repairs(estate_id)
            .filter(reported_at__gte=y_start, reported_at__lt=y_end)
            .order_by("reported_at"),
            _repair,
        ),
        _section(
            "requests",
            _("Inquiries and help requests"),
            _requests(estate_id)
            .filter(received_at__gte=y_start, received_at__lt=y_end)
            .order_by("received_at"),
            _request,
        ),
        _section(
            "callbacks",
            _("Callbacks"),
            _callbacks(estate_id)
            .filter(opened_at__gte=y_start, opened_at__lt=y_end)
            .order_by("opened_at"),
            _callback,
        ),
    ]
    due_today = [
        _section(
            "complaints",
            _("Complaints"),
            _complaints(estate_id).filter(next_due__lt=t_end).order_by("next_due"),
            _complaint,
        ),
        _section(
            "repairs",
            _("Repair orders"),
            _repairs(estate_id).filter(next_due__lt=t_end).order_by("next_due"),
            _repair,
        ),
        _section(
            "requests",
            _("Inquiries and help requests"),
            _requests(estate_id).filter(answer_due__lt=t_end).order_by("answer_due"),
            _request,
        ),
        _section(
            "callbacks",
            _("Callbacks"),
            _callbacks(estate_id).filter(callback_due__lt=t_end).order_by("callback_due"),
            _callback,
        ),
    ]
    return {"unfinished": unfinished, "due_today": due_today}
