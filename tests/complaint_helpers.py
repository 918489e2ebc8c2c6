"""Helpers shared by the complaint-service tests: complaints brought to a status, snapshots
of everything an action could change, the handling log, and each desk action by name."""

import datetime as dt
from zoneinfo import ZoneInfo

from complaints import services
from complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintCounter,
    ComplaintEvent,
    Extension,
    Grade,
    Status,
)
from tests.factories.complaints import advance, make_complaint

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 10, 9, 0, tzinfo=SH)


def at_status(status: str, *, clerk, head, **fields) -> Complaint:
    """A complaint of the clerk's estate brought to ``status`` through the services."""
    c = make_complaint(clerk=clerk, **fields)
    if status == Status.RECEIVED:
        return c
    if status == Status.REOPENED:
        advance(c, to=Status.CLOSED, clerk=clerk, head=head)
        services.complaint_reopen(actor=clerk, complaint_id=c.pk, reason="住户不满意")
        c.refresh_from_db()
        return c
    return advance(c, to=status, clerk=clerk, head=head)


def snapshot(c: Complaint) -> tuple:
    """Everything an action could change: the row, the log, the extensions, the counter."""
    return (
        Complaint.objects.filter(pk=c.pk).values().get(),
        list(ComplaintEvent.objects.filter(complaint_id=c.pk).values_list("id", "kind")),
        list(Extension.objects.filter(complaint_id=c.pk).values()),
        list(ComplaintCounter.objects.order_by("pk").values_list("estate_id", "month", "last")),
    )


def last_event_id(c: Complaint) -> int:
    return (
        ComplaintEvent.objects.filter(complaint_id=c.pk)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )


def events_after(c: Complaint, event_id: int) -> list[ComplaintEvent]:
    return list(ComplaintEvent.objects.filter(complaint_id=c.pk, id__gt=event_id).order_by("id"))


def kinds(c: Complaint) -> list[str]:
    return list(ComplaintEvent.objects.filter(complaint_id=c.pk).values_list("kind", flat=True))


# The desk's and the department's actions, each as (complaint, users) -> result.
ACTIONS = {
    "route": lambda c, u: services.complaint_route(
        actor=u["clerk"], complaint_id=c.pk, department=u["eng"]
    ),
    "reroute": lambda c, u: services.complaint_route(
        actor=u["clerk"], complaint_id=c.pk, department=u["cleaning"]
    ),
    "sign": lambda c, u: services.complaint_sign(actor=u["head"], complaint_id=c.pk),
    "handle": lambda c, u: services.complaint_handle(
        actor=u["head"], complaint_id=c.pk, note="已更换水管"
    ),
    "inform": lambda c, u: services.complaint_inform(
        actor=u["clerk"], complaint_id=c.pk, method="phone", note="住户表示满意"
    ),
    "close": lambda c, u: services.complaint_close(actor=u["clerk"], complaint_id=c.pk),
    "reopen": lambda c, u: services.complaint_reopen(
        actor=u["clerk"], complaint_id=c.pk, reason="回访不满意"
    ),
    "reopen_by_supervisor": lambda c, u: services.complaint_reopen(
        actor=u["supervisor"], complaint_id=c.pk, reason="回访不满意"
    ),
    "on_the_spot": lambda c, u: services.complaint_close_on_the_spot(
        actor=u["clerk"], complaint_id=c.pk, note="当场更换灯泡"
    ),
    "out_of_scope": lambda c, u: services.complaint_mark_out_of_scope(
        actor=u["clerk"], complaint_id=c.pk, note="属于自来水公司管辖，已向住户解释"
    ),
}


def request_extension(c: Complaint, head, *, days: int = 3) -> Extension:
    c.refresh_from_db()
    assert c.resolve_due is not None
    return services.extension_request(
        actor=head,
        complaint_id=c.pk,
        reason="配件需从厂家订购",
        interim_measure="已临时关闭阀门",
        new_deadline=c.resolve_due + dt.timedelta(days=days),
    )


def intake(clerk, outcome, **kwargs):
    fields = {
        "channel": Channel.VISIT,
        "category": Category.ENGINEERING,
        "grade": Grade.MINOR,
        "description": "楼道灯不亮",
        "resident_name": "张三",
        "resident_phone": "13812345678",
    }
    fields.update(kwargs)
    return services.complaint_intake(
        actor=clerk, estate=clerk.staff_profile.estate, outcome=outcome, **fields
    )
