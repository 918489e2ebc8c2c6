"""Clocks when a complaint changes under them: regrade, upgrade, re-route, reopen,
extensions across a regrade, alarms when the clerk has left."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from casework.sweep import sweep as deadline_sweep
from complaints import services
from complaints.models import ComplaintEvent, EventKind, Extension, Grade
from staff.models import Department, Notification
from tests.factories.complaints import advance, department, make_complaint

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)


def at(delta=dt.timedelta()):
    return time_machine.travel(T0 + delta, tick=False)


def sweep(delta):
    with at(delta):
        return deadline_sweep()


def kinds(c, kind):
    return list(ComplaintEvent.objects.filter(complaint=c, kind=kind).order_by("id"))


def overdue_clocks(c):
    return [e.data["clock"] for e in kinds(c, EventKind.OVERDUE)]


def test_an_important_complaint_upgraded_after_a_month_still_reaches_the_gm(
    clerk, dept_head, director, gm
):
    with at():
        c = make_complaint(clerk=clerk, grade=Grade.IMPORTANT)
    with at(dt.timedelta(minutes=1)):
        advance(c, to="signed", clerk=clerk, head=dept_head)
    sweep(dt.timedelta(hours=2))  # escalated to the director
    sweep(dt.timedelta(days=30, seconds=1))  # unresolved for a month: major
    c.refresh_from_db()
    assert c.grade == Grade.MAJOR and c.escalated_to == "general_manager"
    assert [e.data["to"] for e in kinds(c, EventKind.ESCALATED)] == [
        "office_director",
        "general_manager",
    ]


def test_a_regrade_keeps_an_approved_extension(clerk, dept_head, director, supervisor):
    with at():
        c = make_complaint(clerk=clerk)
    with at(dt.timedelta(minutes=1)):
        advance(c, to="signed", clerk=clerk, head=dept_head)
    with at(dt.timedelta(days=1)):
        ext = services.extension_request(
            actor=dept_head,
            complaint_id=c.pk,
            reason="等配件",
            interim_measure="先关阀门",
            new_deadline=T0 + dt.timedelta(days=10),
        )
        services.extension_decide(actor=director, extension_id=ext.pk, approve=True)
    with at(dt.timedelta(days=4)):
        services.complaint_regrade(
            actor=supervisor, complaint_id=c.pk, grade=Grade.IMPORTANT, reason="影响较大"
        )
    c.refresh_from_db()
    assert c.resolve_due == T0 + dt.timedelta(days=10)
    sweep(dt.timedelta(days=4, minutes=1))
    assert "resolve" not in overdue_clocks(c)


def test_a_regrade_after_reopening_counts_from_the_reopening(clerk, dept_head, supervisor):
    with at():
        c = make_complaint(clerk=clerk)
    with at(dt.timedelta(minutes=1)):
        advance(c, to="closed", clerk=clerk, head=dept_head)
    with at(dt.timedelta(days=10)):
        services.complaint_reopen(actor=clerk, complaint_id=c.pk, reason="住户回访不满意")
    with at(dt.timedelta(days=10, minutes=2)):
        services.complaint_regrade(
            actor=supervisor, complaint_id=c.pk, grade=Grade.IMPORTANT, reason="二次投诉"
        )
    sweep(dt.timedelta(days=10, minutes=5))
    assert overdue_clocks(c) == []
    c.refresh_from_db()
    assert c.resolve_due == T0 + dt.timedelta(days=13)


def test_passing_a_signed_complaint_to_another_department_restarts_routing(
    clerk, dept_head, supervisor
):
    with at():
        c = make_complaint(clerk=clerk)
    with at(dt.timedelta(minutes=2)):
        advance(c, to="signed", clerk=clerk, head=dept_head)
    with at(dt.timedelta(hours=3)):
        services.complaint_route(
            actor=clerk,
            complaint_id=c.pk,
            department=department(c.estate, Department.Kind.CLEANING),
        )
    c.refresh_from_db()
    assert c.route_due == T0 + dt.timedelta(hours=3, minutes=10)
    sweep(dt.timedelta(hours=3, minutes=9))
    assert overdue_clocks(c) == []
    sweep(dt.timedelta(hours=3, minutes=11))
    assert overdue_clocks(c) == ["route"]


@pytest.fixture
def waiting_minor(clerk, dept_head):
    with at():
        c = make_complaint(clerk=clerk)
    with at(dt.timedelta(minutes=1)):
        advance(c, to="signed", clerk=clerk, head=dept_head)
    with at(dt.timedelta(hours=1)):
        services.extension_request(
            actor=dept_head,
            complaint_id=c.pk,
            reason="等配件",
            interim_measure="先关阀门",
            new_deadline=T0 + dt.timedelta(days=6),
        )
    return c


def test_after_a_regrade_the_new_grades_approver_decides(waiting_minor, supervisor, director, gm):
    with at(dt.timedelta(hours=2)):
        services.complaint_regrade(
            actor=supervisor, complaint_id=waiting_minor.pk, grade=Grade.IMPORTANT, reason="r"
        )
    ext = waiting_minor.extensions.get()
    assert ext.approver_role == "general_manager"
    with at(dt.timedelta(hours=3)):
        with pytest.raises(services.NotAllowed):
            services.extension_decide(actor=director, extension_id=ext.pk, approve=True)
        services.extension_decide(actor=gm, extension_id=ext.pk, approve=True)
    ext.refresh_from_db()
    assert ext.decision == Extension.Decision.APPROVED


def test_handling_in_time_withdraws_the_waiting_request(waiting_minor, dept_head, director):
    with at(dt.timedelta(hours=2)):
        services.complaint_handle(actor=dept_head, complaint_id=waiting_minor.pk, note="修好了")
    ext = waiting_minor.extensions.get()
    assert ext.decision == Extension.Decision.WITHDRAWN
    with at(dt.timedelta(hours=3)), pytest.raises(services.Conflict):
        services.extension_decide(actor=director, extension_id=ext.pk, approve=True)
    assert kinds(waiting_minor, EventKind.EXTENSION_APPROVED) == []


def test_an_extension_shorter_than_the_deadline_now_is_not_approved(
    waiting_minor, director, dept_head, gm, supervisor
):
    # Regraded to major: ten days, later than the six asked for.
    with at(dt.timedelta(hours=2)):
        services.complaint_regrade(
            actor=supervisor, complaint_id=waiting_minor.pk, grade=Grade.MAJOR, reason="r"
        )
    ext = waiting_minor.extensions.get()
    with at(dt.timedelta(hours=3)), pytest.raises(services.IllegalTransition):
        services.extension_decide(actor=gm, extension_id=ext.pk, approve=True)


def test_not_telling_the_resident_reaches_the_supervisors_too(clerk, dept_head, supervisor):
    with at():
        c = make_complaint(clerk=clerk)
    with at(dt.timedelta(hours=5)):
        advance(c, to="handled", clerk=clerk, head=dept_head)
    sweep(dt.timedelta(hours=15))
    assert Notification.objects.filter(recipient=supervisor, key__contains=":inform:due:").exists()


def test_reminders_for_a_clerk_who_left_go_to_the_supervisors(clerk, supervisor):
    with at():
        c = make_complaint(clerk=clerk)
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    sweep(dt.timedelta(minutes=8))
    assert Notification.objects.filter(
        recipient=supervisor, key__contains=f"complaint:{c.pk}:route:reminder"
    ).exists()


def test_the_inbox_refuses_a_backslash_redirect(client, clerk):
    from staff.notify import notify

    notify(key="k", subject="s", recipients=[clerk])
    client.force_login(clerk)
    n = Notification.objects.get()
    response = client.post(reverse("inbox_read", args=[n.pk]), {"next": "/\\evil.example"})
    assert response["Location"] == reverse("inbox")


def test_a_first_sweep_after_a_month_fires_only_the_deadlines_of_the_new_grade(
    clerk, dept_head, supervisor, director, gm
):
    """Caught up after 31 days: the upgrade to major replaces the minor deadlines, so
    only the major ones fire (once each); the old ones never do."""
    with at():
        c = make_complaint(clerk=clerk, grade=Grade.MINOR)
    with at(dt.timedelta(minutes=1)):
        advance(c, to="signed", clerk=clerk, head=dept_head)
    c.refresh_from_db()
    minor_answer, minor_resolve = c.answer_due, c.resolve_due
    sweep(dt.timedelta(days=31))
    c.refresh_from_db()
    assert c.grade == Grade.MAJOR
    overdue = kinds(c, EventKind.OVERDUE)
    assert sorted(e.data["clock"] for e in overdue) == ["answer", "resolve"]
    dues = {e.data["clock"]: dt.datetime.fromisoformat(e.data["due"]) for e in overdue}
    assert dues == {"answer": c.answer_due, "resolve": c.resolve_due}
    assert dues["answer"] != minor_answer and dues["resolve"] != minor_resolve
    # The supervisor hears of the upgrade, the escalation and the two new deadlines.
    told = Notification.objects.filter(recipient=supervisor, key__contains=f":{c.pk}:")
    assert told.count() == 4
    assert sweep(dt.timedelta(days=31, minutes=5))["alarms"] == 0
