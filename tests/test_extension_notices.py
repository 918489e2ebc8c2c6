"""Extensions reach the people who must act: the approver when a request waits for
them (asked, or passed on by a regrade), the head who asked when it is decided; and a
refusal says why."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from casework.sweep import sweep
from complaints import services
from complaints.models import Extension, Grade, Status
from staff.models import Notification
from staff.roles import Role
from tests.complaint_helpers import at_status, request_extension, snapshot
from tests.factories.staff import make_staff

pytestmark = pytest.mark.usefixtures("sent_tasks")

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday morning


def told(user, c, what=":extension:"):
    return list(
        Notification.objects.filter(recipient=user, key__contains=what, thread=f"complaint:{c.pk}")
    )


@pytest.mark.parametrize(
    ("grade", "approver"),
    [(Grade.MINOR, "director"), (Grade.IMPORTANT, "gm"), (Grade.MAJOR, "gm")],
)
def test_the_approver_of_the_grade_is_told_a_request_waits(
    users, director, gm, request, grade, approver
):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=grade)
    request_extension(c, users["head"])
    [notice] = told(request.getfixturevalue(approver), c)
    assert notice.kind == Notification.Kind.EXTENSION
    assert c.number in notice.subject and "配件需从厂家订购" in notice.body
    assert notice.link == f"/complaints/{c.pk}/"
    other = {"director": gm, "gm": director}[approver]
    assert told(other, c) == [] and told(users["head"], c) == []


def test_a_general_manager_of_the_estate_is_told_too(users, ch, gm):
    estate_gm = make_staff("gm_ch", Role.GENERAL_MANAGER, ch)
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=Grade.IMPORTANT)
    request_extension(c, users["head"])
    assert len(told(gm, c)) == 1 and len(told(estate_gm, c)) == 1


def test_nothing_is_told_when_the_request_is_rolled_back(users, director):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    with pytest.raises(RuntimeError), transaction.atomic():
        request_extension(c, users["head"])
        raise RuntimeError("the cause failed")
    assert told(director, c) == []


def test_a_regrade_tells_the_new_approver(users, director, gm):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=Grade.MINOR)
    request_extension(c, users["head"])
    assert told(gm, c) == []
    services.complaint_regrade(
        actor=users["supervisor"], complaint_id=c.pk, grade=Grade.IMPORTANT, reason="影响面扩大"
    )
    [notice] = told(gm, c)
    assert ":passed:" in notice.key
    # Important to major: the approver stays the general manager, nobody is told again.
    services.complaint_regrade(
        actor=users["supervisor"], complaint_id=c.pk, grade=Grade.MAJOR, reason="媒体关注"
    )
    assert len(told(gm, c)) == 1
    assert len(told(director, c)) == 1  # only the first request


def test_the_upgrade_to_major_by_the_sweep_tells_the_general_manager(users, director, gm):
    with time_machine.travel(T0, tick=False):
        c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=Grade.MINOR)
        request_extension(c, users["head"])
    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        sweep()
    c.refresh_from_db()
    assert c.grade == Grade.MAJOR
    assert c.extensions.get().approver_role == Role.GENERAL_MANAGER
    [notice] = told(gm, c, ":passed:")
    assert notice.kind == Notification.Kind.EXTENSION


@pytest.mark.parametrize("approve", [True, False])
def test_the_head_who_asked_is_told_the_decision(users, director, approve):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    ext = request_extension(c, users["head"])
    services.extension_decide(actor=director, extension_id=ext.pk, approve=approve, note="配件可调")
    [notice] = told(users["head"], c, ":decided")
    assert notice.kind == Notification.Kind.EXTENSION
    assert ("延期已批准" if approve else "延期未批准") in notice.subject
    assert "配件可调" in notice.body
    assert told(director, c, ":decided") == []


@pytest.mark.parametrize("note", ["", "   "])
def test_refusing_needs_a_reason(users, director, note):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    ext = request_extension(c, users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError, match="理由"):
        services.extension_decide(actor=director, extension_id=ext.pk, approve=False, note=note)
    assert snapshot(c) == before
    assert told(users["head"], c, ":decided") == []
    # Approving needs none.
    services.extension_decide(actor=director, extension_id=ext.pk, approve=True)
    assert Extension.objects.get(pk=ext.pk).decision == Extension.Decision.APPROVED
