"""Extensions: the request, who decides it by grade, and the deadline it moves."""

import datetime as dt

import pytest

from complaints import policy, services
from complaints.clocks import TABLE
from complaints.models import EventKind, Extension, Grade, Status
from complaints.services import permissions
from staff.roles import APPROVE_IMPORTANT_EXTENSIONS, APPROVE_MINOR_EXTENSIONS, Role
from tests.complaint_helpers import (
    at_status,
    events_after,
    last_event_id,
    request_extension,
    snapshot,
)
from tests.factories.staff import make_staff

# The complaint services queue Celery tasks; every test here records them instead
# (the ``sent_tasks`` fixture in conftest.py) so nothing reaches the broker.
pytestmark = pytest.mark.usefixtures("sent_tasks")


@pytest.fixture
def jr_director(jr):
    return make_staff("jr_director", Role.OFFICE_DIRECTOR, jr)


def test_the_approver_of_an_extension_depends_on_the_grade():
    assert policy.EXTENSION_APPROVER == {
        Grade.MINOR: "office_director",
        Grade.IMPORTANT: "general_manager",
        Grade.MAJOR: "general_manager",
    }
    assert permissions.APPROVER_CAPABILITY == {
        "office_director": APPROVE_MINOR_EXTENSIONS,
        "general_manager": APPROVE_IMPORTANT_EXTENSIONS,
    }


@pytest.mark.parametrize("grade", Grade.values)
def test_a_department_head_asks_for_an_extension_and_it_goes_to_the_right_approver(users, grade):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=grade)
    before = last_event_id(c)
    resolve_due = c.resolve_due
    ext = request_extension(c, users["head"])
    c.refresh_from_db()
    assert ext.decision == Extension.Decision.PENDING
    assert ext.approver_role == policy.EXTENSION_APPROVER[grade]
    assert c.status == Status.SIGNED
    assert c.resolve_due == resolve_due
    new = events_after(c, before)
    assert [(e.kind, e.actor_id) for e in new] == [
        (EventKind.EXTENSION_REQUESTED, users["head"].pk)
    ]
    assert new[0].data["approver"] == ext.approver_role
    assert new[0].data["interim_measure"] == "已临时关闭阀门"


def test_an_extension_needs_a_reason_and_an_interim_measure(users):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    for reason, measure in [("", "已临时关闭阀门"), ("配件需订购", "  ")]:
        with pytest.raises(services.ComplaintError):
            services.extension_request(
                actor=users["head"],
                complaint_id=c.pk,
                reason=reason,
                interim_measure=measure,
                new_deadline=c.resolve_due + dt.timedelta(days=3),
            )
    assert snapshot(c) == before


def test_an_extension_must_move_the_deadline_later(users):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        services.extension_request(
            actor=users["head"],
            complaint_id=c.pk,
            reason="配件需订购",
            interim_measure="已临时关闭阀门",
            new_deadline=c.resolve_due,
        )
    assert snapshot(c) == before


def test_only_one_extension_request_waits_at_a_time(users):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    request_extension(c, users["head"])
    before = snapshot(c)
    with pytest.raises(services.Conflict):
        request_extension(c, users["head"], days=5)
    assert snapshot(c) == before


@pytest.mark.parametrize("start", [Status.RECEIVED, Status.HANDLED, Status.CLOSED])
def test_an_extension_is_only_asked_for_a_complaint_still_being_handled(users, start):
    c = at_status(start, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        request_extension(c, users["head"])
    assert snapshot(c) == before


def test_the_office_director_approves_a_minor_extension_and_the_deadline_moves(users, director):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=Grade.MINOR)
    previous = c.resolve_due
    ext = request_extension(c, users["head"])
    before = last_event_id(c)
    services.extension_decide(actor=director, extension_id=ext.pk, approve=True, note=" 同意 ")
    c.refresh_from_db()
    ext.refresh_from_db()
    assert c.resolve_due == ext.new_deadline
    assert c.resolve_due > previous
    assert ext.decision == Extension.Decision.APPROVED
    assert ext.decided_by == director
    assert ext.decision_note == "同意"
    new = events_after(c, before)
    assert [(e.kind, e.actor_id) for e in new] == [(EventKind.EXTENSION_APPROVED, director.pk)]
    assert new[0].data["previous"] == previous.isoformat()
    assert new[0].data["new_deadline"] == ext.new_deadline.isoformat()


def test_an_approved_extension_recomputes_the_next_deadline(users, director):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=Grade.MINOR)
    old_resolve_due = c.resolve_due
    ext = request_extension(c, users["head"])
    services.extension_decide(actor=director, extension_id=ext.pk, approve=True)
    c.refresh_from_db()
    assert c.next_due == TABLE.next_due(c)
    assert c.next_due != old_resolve_due


def test_a_refused_extension_leaves_the_deadline_where_it_was(users, director):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=Grade.MINOR)
    previous = c.resolve_due
    ext = request_extension(c, users["head"])
    before = last_event_id(c)
    services.extension_decide(actor=director, extension_id=ext.pk, approve=False, note="不批准")
    c.refresh_from_db()
    ext.refresh_from_db()
    assert c.resolve_due == previous
    assert ext.decision == Extension.Decision.REFUSED
    new = events_after(c, before)
    assert [(e.kind, e.actor_id, e.note) for e in new] == [
        (EventKind.EXTENSION_REFUSED, director.pk, "不批准")
    ]


def test_after_a_refusal_the_department_may_ask_again(users, director):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    ext = request_extension(c, users["head"])
    services.extension_decide(actor=director, extension_id=ext.pk, approve=False, note="不批准")
    second = request_extension(c, users["head"], days=1)
    assert second.decision == Extension.Decision.PENDING


def test_an_extension_is_decided_only_once(users, director):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    ext = request_extension(c, users["head"])
    services.extension_decide(actor=director, extension_id=ext.pk, approve=True)
    before = snapshot(c)
    with pytest.raises(services.Conflict):
        services.extension_decide(actor=director, extension_id=ext.pk, approve=False)
    assert snapshot(c) == before


@pytest.mark.parametrize("who", ["clerk", "dept_head", "supervisor", "gm", "jr_director"])
def test_only_the_office_director_of_the_estate_decides_a_minor_extension(users, request, who):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=Grade.MINOR)
    ext = request_extension(c, users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.extension_decide(
            actor=request.getfixturevalue(who), extension_id=ext.pk, approve=True
        )
    assert snapshot(c) == before


@pytest.mark.parametrize("grade", [Grade.IMPORTANT, Grade.MAJOR])
def test_the_general_manager_decides_important_and_major_extensions(users, gm, grade):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=grade)
    ext = request_extension(c, users["head"])
    services.extension_decide(actor=gm, extension_id=ext.pk, approve=True)
    c.refresh_from_db()
    assert c.resolve_due == ext.new_deadline
    assert c.events.last().kind == EventKind.EXTENSION_APPROVED
    assert c.events.last().actor == gm


@pytest.mark.parametrize("grade", [Grade.IMPORTANT, Grade.MAJOR])
def test_the_office_director_cannot_decide_an_important_or_major_extension(users, director, grade):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=grade)
    ext = request_extension(c, users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.extension_decide(actor=director, extension_id=ext.pk, approve=True)
    assert snapshot(c) == before
