"""The complaint state machine (complaints.services): every legal move and the one
handling-log entry it writes, every illegal move refused without a trace, who may do
what, extensions, regrading, reopening, intake, numbering, repeats, the append-only
log, tasks queued after commit, concurrent closes and residents' data kept out of logs."""

import datetime as dt
import logging
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.app.task import Task
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError

from complaints import policy, services
from complaints.models import (
    TRANSITIONS,
    Category,
    Channel,
    Closure,
    Complaint,
    ComplaintCounter,
    ComplaintEvent,
    EventKind,
    Extension,
    Grade,
    Status,
)
from staff.models import Department
from staff.roles import APPROVE_IMPORTANT_EXTENSIONS, APPROVE_MINOR_EXTENSIONS, Role
from tests.factories.complaints import advance, department, make_complaint
from tests.factories.staff import UnitFactory, make_staff

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 10, 9, 0, tzinfo=SH)


# --- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(autouse=True)
def sent_tasks(monkeypatch):
    """Celery's queue is replaced by a recorder (the database stays real): every task
    sent with delay() or apply_async() is listed here instead of reaching the broker."""
    sent: list[tuple[str, tuple]] = []

    def record(task, args=None, kwargs=None, **options):
        sent.append((task.name, tuple(args or ())))

    monkeypatch.setattr(Task, "apply_async", record)
    return sent


@pytest.fixture
def head_with_email(dept_head, eng):
    """The engineering department's head, with an email address for the routed notice."""
    dept_head.email = "eng@example.com"
    dept_head.save(update_fields=["email"])
    eng.head = dept_head
    eng.save(update_fields=["head"])
    return dept_head


@pytest.fixture
def eng(dept_head):
    return dept_head.staff_profile.department


@pytest.fixture
def cleaning(ch):
    return department(ch, Department.Kind.CLEANING)


@pytest.fixture
def cleaning_head(ch):
    return make_staff("cleaning_head", Role.DEPARTMENT_HEAD, ch, Department.Kind.CLEANING)


@pytest.fixture
def jr_eng_head(jr):
    return make_staff("jr_eng_head", Role.DEPARTMENT_HEAD, jr, Department.Kind.ENGINEERING)


@pytest.fixture
def jr_director(jr):
    return make_staff("jr_director", Role.OFFICE_DIRECTOR, jr)


@pytest.fixture
def users(clerk, dept_head, supervisor, eng, cleaning):
    return {
        "clerk": clerk,
        "head": dept_head,
        "supervisor": supervisor,
        "eng": eng,
        "cleaning": cleaning,
    }


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


# --- every legal transition --------------------------------------------------------------

LEGAL = [
    # (from, action, to, event kind, actor)
    (Status.RECEIVED, "route", Status.ROUTED, EventKind.ROUTED, "clerk"),
    (Status.RECEIVED, "on_the_spot", Status.CLOSED, EventKind.CLOSED, "clerk"),
    (Status.RECEIVED, "out_of_scope", Status.CLOSED, EventKind.CLOSED, "clerk"),
    (Status.ROUTED, "reroute", Status.ROUTED, EventKind.ROUTED, "clerk"),
    (Status.ROUTED, "sign", Status.SIGNED, EventKind.SIGNED, "head"),
    (Status.SIGNED, "reroute", Status.ROUTED, EventKind.ROUTED, "clerk"),
    (Status.SIGNED, "handle", Status.HANDLED, EventKind.HANDLED, "head"),
    (Status.HANDLED, "inform", Status.INFORMED, EventKind.INFORMED, "clerk"),
    (Status.INFORMED, "close", Status.CLOSED, EventKind.CLOSED, "clerk"),
    (Status.CLOSED, "reopen", Status.REOPENED, EventKind.REOPENED, "clerk"),
    (Status.CLOSED, "reopen_by_supervisor", Status.REOPENED, EventKind.REOPENED, "supervisor"),
    (Status.REOPENED, "route", Status.ROUTED, EventKind.ROUTED, "clerk"),
    (Status.REOPENED, "on_the_spot", Status.CLOSED, EventKind.CLOSED, "clerk"),
]


def test_the_legal_moves_tested_cover_the_whole_transition_table():
    tested = {(start, to) for start, _action, to, _kind, _actor in LEGAL}
    table = {(start, to) for start, targets in TRANSITIONS.items() for to in targets}
    assert tested == table


@pytest.mark.parametrize(
    ("start", "action", "to", "kind", "actor"),
    LEGAL,
    ids=[f"{s}-{a}" for s, a, *_ in LEGAL],
)
def test_a_legal_move_changes_the_status_and_writes_exactly_one_event(
    users, start, action, to, kind, actor
):
    c = at_status(start, clerk=users["clerk"], head=users["head"])
    before = last_event_id(c)
    ACTIONS[action](c, users)
    c.refresh_from_db()
    assert c.status == to
    new = events_after(c, before)
    assert [(e.kind, e.actor_id) for e in new] == [(kind, users[actor].pk)]


def test_receiving_a_complaint_logs_received_then_graded_by_the_clerk(clerk):
    with time_machine.travel(T0, tick=False):
        c = make_complaint(clerk=clerk, grade=Grade.IMPORTANT, channel=Channel.VISIT)
    events = list(c.events.all())
    assert [(e.kind, e.actor_id) for e in events] == [
        (EventKind.RECEIVED, clerk.pk),
        (EventKind.GRADED, clerk.pk),
    ]
    assert events[0].data["channel"] == Channel.VISIT
    assert events[1].data["grade"] == Grade.IMPORTANT
    assert events[0].at == T0
    assert c.status == Status.RECEIVED
    assert c.received_by == clerk
    assert c.received_at == T0


def test_routing_records_the_department_and_the_time(users):
    c = make_complaint(clerk=users["clerk"])
    with time_machine.travel(T0, tick=False):
        ACTIONS["route"](c, users)
    c.refresh_from_db()
    assert c.department == users["eng"]
    assert c.routed_at == T0
    event = c.events.get(kind=EventKind.ROUTED)
    assert event.data["department_id"] == users["eng"].pk
    assert event.data["previous"] is None


def test_rerouting_a_signed_complaint_clears_the_signature_and_names_the_previous_department(
    users,
):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    assert c.signed_at is not None
    ACTIONS["reroute"](c, users)
    c.refresh_from_db()
    assert c.department == users["cleaning"]
    assert c.signed_at is None
    last = c.events.filter(kind=EventKind.ROUTED).last()
    assert last.data["previous"] == users["eng"].name
    assert last.data["department"] == users["cleaning"].name


def test_handling_records_the_note_and_starts_the_same_day_inform_clock(users):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    handled = dt.datetime(2026, 11, 10, 15, 0, tzinfo=SH)
    with time_machine.travel(handled, tick=False):
        services.complaint_handle(actor=users["head"], complaint_id=c.pk, note="  已更换水管  ")
    c.refresh_from_db()
    assert c.handled_at == handled
    assert c.handling_note == "已更换水管"
    assert c.inform_due == dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH)
    assert c.events.get(kind=EventKind.HANDLED).note == "已更换水管"


def test_informing_records_the_method(users):
    c = at_status(Status.HANDLED, clerk=users["clerk"], head=users["head"])
    ACTIONS["inform"](c, users)
    c.refresh_from_db()
    assert c.informed_at is not None
    event = c.events.get(kind=EventKind.INFORMED)
    assert event.data["method"] == "phone"
    assert event.note == "住户表示满意"


def test_closing_an_informed_complaint_marks_it_handled_and_clears_the_next_deadline(users):
    c = at_status(Status.INFORMED, clerk=users["clerk"], head=users["head"])
    ACTIONS["close"](c, users)
    c.refresh_from_db()
    assert c.closure == Closure.HANDLED
    assert c.closed_at is not None
    assert c.next_due is None
    assert c.events.get(kind=EventKind.CLOSED).data["closure"] == Closure.HANDLED


def test_the_whole_lifecycle_leaves_the_full_handling_log(users):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    assert kinds(c) == [
        EventKind.RECEIVED,
        EventKind.GRADED,
        EventKind.ROUTED,
        EventKind.SIGNED,
        EventKind.HANDLED,
        EventKind.INFORMED,
        EventKind.CLOSED,
    ]


# --- every illegal transition ------------------------------------------------------------

ILLEGAL = [
    (Status.RECEIVED, "sign"),
    (Status.RECEIVED, "handle"),
    (Status.RECEIVED, "inform"),
    (Status.RECEIVED, "reopen"),
    (Status.ROUTED, "route"),
    (Status.ROUTED, "handle"),
    (Status.ROUTED, "inform"),
    (Status.ROUTED, "close"),
    (Status.ROUTED, "on_the_spot"),
    (Status.ROUTED, "out_of_scope"),
    (Status.ROUTED, "reopen"),
    (Status.SIGNED, "sign"),
    (Status.SIGNED, "route"),
    (Status.SIGNED, "inform"),
    (Status.SIGNED, "close"),
    (Status.SIGNED, "on_the_spot"),
    (Status.HANDLED, "route"),
    (Status.HANDLED, "reroute"),
    (Status.HANDLED, "sign"),
    (Status.HANDLED, "handle"),
    (Status.HANDLED, "close"),
    (Status.HANDLED, "on_the_spot"),
    (Status.HANDLED, "reopen"),
    (Status.INFORMED, "route"),
    (Status.INFORMED, "sign"),
    (Status.INFORMED, "handle"),
    (Status.INFORMED, "inform"),
    (Status.INFORMED, "out_of_scope"),
    (Status.INFORMED, "reopen"),
    (Status.CLOSED, "route"),
    (Status.CLOSED, "reroute"),
    (Status.CLOSED, "sign"),
    (Status.CLOSED, "handle"),
    (Status.CLOSED, "inform"),
    (Status.CLOSED, "close"),
    (Status.CLOSED, "on_the_spot"),
    (Status.CLOSED, "out_of_scope"),
    (Status.REOPENED, "sign"),
    (Status.REOPENED, "handle"),
    (Status.REOPENED, "inform"),
    (Status.REOPENED, "reopen"),
]


@pytest.mark.parametrize(("start", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
def test_an_illegal_move_is_refused_and_changes_nothing(users, start, action):
    c = at_status(start, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        ACTIONS[action](c, users)
    assert snapshot(c) == before


def test_routing_a_closed_complaint_is_an_illegal_transition(users):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    with pytest.raises(services.IllegalTransition):
        ACTIONS["reroute"](c, users)


def test_signing_a_received_complaint_that_was_never_routed_is_refused(users):
    c = at_status(Status.RECEIVED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        ACTIONS["sign"](c, users)
    assert snapshot(c) == before


def test_closing_a_handled_complaint_before_the_resident_is_informed_is_illegal(users):
    c = at_status(Status.HANDLED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.IllegalTransition):
        ACTIONS["close"](c, users)
    assert snapshot(c) == before


def test_signing_twice_is_a_conflict(users):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.Conflict):
        ACTIONS["sign"](c, users)
    assert snapshot(c) == before


def test_closing_twice_is_a_conflict(users):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    with pytest.raises(services.Conflict):
        ACTIONS["close"](c, users)


def test_routing_again_to_the_same_department_is_a_conflict(users):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    with pytest.raises(services.Conflict):
        ACTIONS["route"](c, users)


@pytest.mark.parametrize("start", [Status.RECEIVED, Status.REOPENED])
def test_the_desk_cannot_close_as_handled_a_complaint_that_was_never_handled_or_informed(
    users, start
):
    c = at_status(start, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.IllegalTransition):
        ACTIONS["close"](c, users)
    assert snapshot(c) == before


def test_an_action_on_a_complaint_that_does_not_exist_is_refused(clerk):
    with pytest.raises(services.ComplaintError):
        services.complaint_close(actor=clerk, complaint_id=999_999_999)


# --- who may do what ---------------------------------------------------------------------


def test_a_clerk_cannot_sign_for_a_complaint(users):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_sign(actor=users["clerk"], complaint_id=c.pk)
    assert snapshot(c) == before


def test_a_clerk_cannot_record_the_handling(users):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_handle(actor=users["clerk"], complaint_id=c.pk, note="已处理")
    assert snapshot(c) == before


def test_a_technician_of_the_department_cannot_sign_for_it(users, technician):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_sign(actor=technician, complaint_id=c.pk)
    assert snapshot(c) == before


def test_the_head_of_another_department_cannot_sign_or_handle(users, cleaning_head):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_sign(actor=cleaning_head, complaint_id=c.pk)
    assert snapshot(c) == before
    services.complaint_sign(actor=users["head"], complaint_id=c.pk)
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_handle(actor=cleaning_head, complaint_id=c.pk, note="已处理")
    assert snapshot(c) == before


def test_the_engineering_head_of_another_estate_cannot_sign(users, jr_eng_head):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_sign(actor=jr_eng_head, complaint_id=c.pk)
    assert snapshot(c) == before


def test_the_head_of_the_department_a_complaint_was_rerouted_to_signs_for_it(users, cleaning_head):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    ACTIONS["reroute"](c, users)
    with pytest.raises(services.NotAllowed):
        services.complaint_sign(actor=users["head"], complaint_id=c.pk)
    services.complaint_sign(actor=cleaning_head, complaint_id=c.pk)
    c.refresh_from_db()
    assert c.status == Status.SIGNED
    assert c.events.last().actor == cleaning_head


def test_a_clerk_of_another_estate_cannot_route(users, other_clerk):
    c = at_status(Status.RECEIVED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_route(actor=other_clerk, complaint_id=c.pk, department=users["eng"])
    assert snapshot(c) == before


def test_a_clerk_of_another_estate_cannot_inform_or_close(users, other_clerk):
    c = at_status(Status.HANDLED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_inform(actor=other_clerk, complaint_id=c.pk, method="phone")
    assert snapshot(c) == before
    ACTIONS["inform"](c, users)
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_close(actor=other_clerk, complaint_id=c.pk)
    assert snapshot(c) == before


def test_a_department_head_cannot_route(users):
    c = at_status(Status.RECEIVED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_route(actor=users["head"], complaint_id=c.pk, department=users["eng"])
    assert snapshot(c) == before


def test_a_complaint_cannot_be_routed_to_a_department_of_another_estate(users, jr):
    c = at_status(Status.RECEIVED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        services.complaint_route(actor=users["clerk"], complaint_id=c.pk, department=department(jr))
    assert snapshot(c) == before


def test_a_department_head_cannot_reopen(users):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_reopen(actor=users["head"], complaint_id=c.pk, reason="不满意")
    assert snapshot(c) == before


def test_a_clerk_cannot_regrade_or_escalate(users):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"], grade=Grade.IMPORTANT)
    before = snapshot(c)
    with pytest.raises(services.NotAllowed):
        services.complaint_regrade(
            actor=users["clerk"], complaint_id=c.pk, grade=Grade.MAJOR, reason="多次投诉"
        )
    with pytest.raises(services.NotAllowed):
        services.complaint_escalate(actor=users["clerk"], complaint_id=c.pk)
    assert snapshot(c) == before


# --- extensions --------------------------------------------------------------------------


def request_extension(c: Complaint, head, *, days: int = 3) -> Extension:
    c.refresh_from_db()
    return services.extension_request(
        actor=head,
        complaint_id=c.pk,
        reason="配件需从厂家订购",
        interim_measure="已临时关闭阀门",
        new_deadline=c.resolve_due + dt.timedelta(days=days),
    )


def test_the_approver_of_an_extension_depends_on_the_grade():
    assert policy.EXTENSION_APPROVER == {
        Grade.MINOR: "office_director",
        Grade.IMPORTANT: "general_manager",
        Grade.MAJOR: "general_manager",
    }
    assert services.APPROVER_CAPABILITY == {
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
    assert c.next_due == services.next_due(c)
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
    services.extension_decide(actor=director, extension_id=ext.pk, approve=False)
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


# --- regrading ---------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_regrade_needs_a_reason(users, reason):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.MAJOR, reason=reason
        )
    assert snapshot(c) == before


def test_a_regrade_logs_both_grades_and_recomputes_the_clocks_from_receipt(users):
    with time_machine.travel(T0, tick=False):
        c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = last_event_id(c)
    with time_machine.travel(T0 + dt.timedelta(hours=5), tick=False):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.MAJOR, reason=" 造成财产损失 "
        )
    c.refresh_from_db()
    assert c.grade == Grade.MAJOR
    expected = policy.deadlines_for(received_at=T0, grade=Grade.MAJOR)
    assert c.route_due == expected.route_due
    assert c.escalate_due == dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH)
    assert c.answer_due == dt.datetime(2026, 11, 12, 9, 0, tzinfo=SH)
    assert c.resolve_due == dt.datetime(2026, 11, 20, 9, 0, tzinfo=SH)
    assert c.upgrade_due is None
    new = events_after(c, before)
    assert [(e.kind, e.actor_id) for e in new] == [(EventKind.REGRADED, users["supervisor"].pk)]
    assert new[0].data == {"previous": Grade.MINOR, "grade": Grade.MAJOR}
    assert new[0].note == "造成财产损失"


def test_a_complaint_regraded_to_major_after_reaching_the_director_must_still_reach_the_gm(
    users,
):
    with time_machine.travel(T0, tick=False):
        c = at_status(
            Status.SIGNED, clerk=users["clerk"], head=users["head"], grade=Grade.IMPORTANT
        )
        services.complaint_escalate(actor=users["supervisor"], complaint_id=c.pk)
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.MAJOR, reason="造成人身伤害"
        )
    c.refresh_from_db()
    assert c.escalate_due == dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH)
    assert c.next_due == c.escalate_due


def test_regrading_to_the_same_grade_is_a_conflict(users):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.Conflict):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.MINOR, reason="复核"
        )
    assert snapshot(c) == before


def test_a_closed_complaint_is_not_regraded(users):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.IllegalTransition):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.MAJOR, reason="复核"
        )
    assert snapshot(c) == before


def test_an_unknown_grade_is_refused(users):
    c = at_status(Status.ROUTED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade="catastrophic", reason="复核"
        )
    assert snapshot(c) == before


# --- reopening ---------------------------------------------------------------------------


def test_reopening_restarts_the_clocks_from_the_moment_of_reopening(users):
    with time_machine.travel(T0, tick=False):
        c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    upgrade_due = c.upgrade_due
    reopened_at = T0 + dt.timedelta(days=5)
    with time_machine.travel(reopened_at, tick=False):
        services.complaint_reopen(actor=users["clerk"], complaint_id=c.pk, reason=" 回访不满意 ")
    c.refresh_from_db()
    assert c.status == Status.REOPENED
    assert c.route_due == reopened_at + dt.timedelta(minutes=10)
    assert c.resolve_due == reopened_at + dt.timedelta(days=2)
    assert c.upgrade_due == upgrade_due  # the month counts from the first receipt
    assert c.signed_at is c.handled_at is c.informed_at is c.closed_at is c.inform_due is None
    assert c.closure == ""
    assert c.next_due == c.route_due
    assert c.events.last().note == "回访不满意"


def test_reopening_needs_a_reason(users):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        services.complaint_reopen(actor=users["clerk"], complaint_id=c.pk, reason="  ")
    assert snapshot(c) == before


def test_a_reopened_complaint_goes_round_the_lifecycle_again(users):
    c = at_status(Status.REOPENED, clerk=users["clerk"], head=users["head"])
    advance(c, to=Status.CLOSED, clerk=users["clerk"], head=users["head"])
    assert c.status == Status.CLOSED
    assert kinds(c).count(EventKind.CLOSED) == 2
    assert kinds(c).count(EventKind.ROUTED) == 2


def test_reopening_a_minor_complaint_whose_requested_date_has_passed_gives_a_future_deadline(
    users,
):
    with time_machine.travel(T0, tick=False):
        c = at_status(
            Status.CLOSED,
            clerk=users["clerk"],
            head=users["head"],
            requested_deadline=dt.date(2026, 11, 11),
        )
    reopened_at = T0 + dt.timedelta(days=10)
    with time_machine.travel(reopened_at, tick=False):
        services.complaint_reopen(actor=users["clerk"], complaint_id=c.pk, reason="回访不满意")
    c.refresh_from_db()
    assert c.resolve_due > reopened_at


# --- the handling note -------------------------------------------------------------------


@pytest.mark.parametrize("note", ["", "   "])
def test_the_handling_note_is_required(users, note):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError):
        services.complaint_handle(actor=users["head"], complaint_id=c.pk, note=note)
    assert snapshot(c) == before


@pytest.mark.parametrize("action", ["on_the_spot", "out_of_scope"])
def test_closing_at_intake_needs_a_note(users, action):
    c = at_status(Status.RECEIVED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    closer = (
        services.complaint_close_on_the_spot
        if action == "on_the_spot"
        else services.complaint_mark_out_of_scope
    )
    with pytest.raises(services.ComplaintError):
        closer(actor=users["clerk"], complaint_id=c.pk, note=" ")
    assert snapshot(c) == before


# --- intake validation -------------------------------------------------------------------


def test_a_requested_deadline_in_the_past_is_refused(clerk):
    with time_machine.travel(T0, tick=False), pytest.raises(ValidationError) as exc:
        make_complaint(clerk=clerk, requested_deadline=dt.date(2026, 11, 9))
    assert "requested_deadline" in exc.value.message_dict
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()


def test_a_requested_deadline_of_today_is_accepted(clerk):
    late = dt.datetime(2026, 11, 10, 23, 30, tzinfo=SH)  # already the 10th in UTC too
    with time_machine.travel(late, tick=False):
        c = make_complaint(clerk=clerk, requested_deadline=dt.date(2026, 11, 10))
    assert c.resolve_due == dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH)


def test_the_requested_deadline_is_checked_against_the_shanghai_date(clerk):
    # 00:30 on the 11th in Shanghai is still the 10th in UTC: the 10th is yesterday.
    midnight_30 = dt.datetime(2026, 11, 11, 0, 30, tzinfo=SH)
    with time_machine.travel(midnight_30, tick=False), pytest.raises(ValidationError):
        make_complaint(clerk=clerk, requested_deadline=dt.date(2026, 11, 10))


@pytest.mark.parametrize("phone", ["12345", "1381234567", "23812345678", "abc12345678"])
def test_an_invalid_phone_is_refused(clerk, phone):
    with pytest.raises(ValidationError) as exc:
        make_complaint(clerk=clerk, resident_phone=phone)
    assert "resident_phone" in exc.value.message_dict
    assert not Complaint.objects.exists()


def test_a_phone_is_stored_normalised(clerk):
    c = make_complaint(clerk=clerk, resident_phone=" 138 1234 5678 ")
    assert c.resident_phone == "13812345678"
    landline = make_complaint(clerk=clerk, resident_phone="(021) 5555 1234")
    assert landline.resident_phone == "021-55551234"


def test_a_complaint_needs_the_residents_name_or_phone_unless_anonymous(clerk):
    with pytest.raises(ValidationError) as exc:
        make_complaint(clerk=clerk, resident_name=" ", resident_phone="")
    assert "resident_name" in exc.value.message_dict


def test_an_anonymous_complaint_stores_no_name_or_phone(clerk):
    c = make_complaint(
        clerk=clerk, anonymous=True, resident_name="张三", resident_phone="13812345678"
    )
    c.refresh_from_db()
    assert c.anonymous
    assert c.resident_name == ""
    assert c.resident_phone == ""
    for event in c.events.all():
        assert "张三" not in f"{event.note}{event.data}"
        assert "13812345678" not in f"{event.note}{event.data}"


def test_the_database_refuses_a_named_complaint_without_name_or_phone(clerk):
    c = make_complaint(clerk=clerk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=c.pk).update(resident_name="", resident_phone="")


def test_a_unit_of_another_estate_is_refused(clerk, jr):
    with pytest.raises(ValidationError) as exc:
        make_complaint(clerk=clerk, unit=UnitFactory(estate=jr))
    assert "unit" in exc.value.message_dict


def test_the_desk_of_another_estate_cannot_log_a_complaint_here(other_clerk, ch):
    with pytest.raises(services.NotAllowed):
        make_complaint(clerk=other_clerk, estate=ch)
    assert not Complaint.objects.exists()


# --- numbers -----------------------------------------------------------------------------


def test_numbers_are_sequential_per_estate_and_month(clerk, other_clerk):
    with time_machine.travel(dt.datetime(2026, 11, 15, 10, 0, tzinfo=SH), tick=False):
        first = make_complaint(clerk=clerk)
        second = make_complaint(clerk=clerk)
        other = make_complaint(clerk=other_clerk)
        third = make_complaint(clerk=clerk)
    assert [first.number, second.number, third.number] == [
        "TS-202611-0001",
        "TS-202611-0002",
        "TS-202611-0003",
    ]
    assert other.number == "TS-202611-0001"


def test_numbering_restarts_in_a_new_month_by_shanghai_time(clerk):
    with time_machine.travel(dt.datetime(2026, 11, 30, 23, 55, tzinfo=SH), tick=False):
        november = [make_complaint(clerk=clerk).number for _ in range(2)]
    # 00:05 on 1 December in Shanghai is still 30 November in UTC.
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 5, tzinfo=SH), tick=False):
        december = make_complaint(clerk=clerk).number
    with time_machine.travel(dt.datetime(2027, 1, 3, 9, 0, tzinfo=SH), tick=False):
        january = make_complaint(clerk=clerk).number
    assert november == ["TS-202611-0001", "TS-202611-0002"]
    assert december == "TS-202612-0001"
    assert january == "TS-202701-0001"


def test_a_refused_intake_uses_up_no_number(clerk):
    with time_machine.travel(T0, tick=False):
        make_complaint(clerk=clerk)
        with pytest.raises(ValidationError):
            make_complaint(clerk=clerk, resident_phone="123")
        c = make_complaint(clerk=clerk)
    assert c.number == "TS-202611-0002"


# --- repeats (二次投诉) --------------------------------------------------------------------


def test_a_second_complaint_of_the_same_category_from_the_same_unit_is_a_repeat(clerk, ch):
    unit = UnitFactory(estate=ch)
    first = make_complaint(clerk=clerk, unit=unit, resident_phone="13800000001")
    second = make_complaint(clerk=clerk, unit=unit, resident_phone="13800000002")
    assert second.repeat_of == first
    assert second.is_repeat
    assert second.events.get(kind=EventKind.RECEIVED).data["repeat_of"] == first.number


def test_a_second_complaint_of_the_same_category_from_the_same_phone_is_a_repeat(clerk, ch):
    first = make_complaint(clerk=clerk, unit=UnitFactory(estate=ch))
    second = make_complaint(
        clerk=clerk, unit=UnitFactory(estate=ch), resident_phone="138 1234 5678"
    )
    assert second.repeat_of == first


def test_the_latest_earlier_complaint_is_the_one_repeated(clerk):
    with time_machine.travel(T0, tick=False):
        make_complaint(clerk=clerk)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        latest = make_complaint(clerk=clerk)
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        third = make_complaint(clerk=clerk)
    assert third.repeat_of == latest


def test_a_complaint_of_another_category_is_not_a_repeat(clerk):
    make_complaint(clerk=clerk, category=Category.ENGINEERING)
    second = make_complaint(clerk=clerk, category=Category.CLEANING)
    assert second.repeat_of is None


def test_a_complaint_from_another_unit_and_phone_is_not_a_repeat(clerk, ch):
    make_complaint(clerk=clerk, unit=UnitFactory(estate=ch), resident_phone="13800000001")
    second = make_complaint(clerk=clerk, unit=UnitFactory(estate=ch), resident_phone="13800000002")
    assert second.repeat_of is None


def test_a_repeat_is_looked_for_within_90_days_only(clerk):
    with time_machine.travel(T0, tick=False):
        first = make_complaint(clerk=clerk)
    with time_machine.travel(T0 + dt.timedelta(days=89), tick=False):
        within = make_complaint(clerk=clerk, category=Category.ENGINEERING)
    with time_machine.travel(T0 + dt.timedelta(days=89 + 91), tick=False):
        after = make_complaint(clerk=clerk, category=Category.ENGINEERING)
    assert within.repeat_of == first
    assert after.repeat_of is None


def test_a_complaint_from_the_same_phone_at_another_estate_is_not_a_repeat(clerk, other_clerk):
    make_complaint(clerk=clerk)
    other = make_complaint(clerk=other_clerk)
    assert other.repeat_of is None


def test_an_anonymous_complaint_without_unit_is_not_matched_by_phone(clerk):
    make_complaint(clerk=clerk)
    anonymous = make_complaint(clerk=clerk, anonymous=True, resident_phone="13812345678")
    assert anonymous.repeat_of is None


# --- the intake desk's one step ----------------------------------------------------------


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


def test_intake_with_route_logs_and_routes_in_one_step(clerk, eng):
    c = intake(clerk, "route", department=eng)
    c.refresh_from_db()
    assert c.status == Status.ROUTED
    assert c.department == eng
    assert kinds(c) == [EventKind.RECEIVED, EventKind.GRADED, EventKind.ROUTED]


def test_intake_on_the_spot_closes_it_as_handled_and_informed_at_once(clerk):
    c = intake(clerk, "on_the_spot", outcome_note="当场更换灯泡")
    c.refresh_from_db()
    assert c.status == Status.CLOSED
    assert c.closure == Closure.ON_THE_SPOT
    assert c.in_scope
    assert c.handled_at == c.informed_at == c.closed_at
    assert c.handling_note == "当场更换灯泡"
    assert c.next_due is None
    assert kinds(c) == [EventKind.RECEIVED, EventKind.GRADED, EventKind.CLOSED]
    assert c.events.last().data["closure"] == Closure.ON_THE_SPOT


def test_intake_out_of_scope_is_closed_and_still_kept(clerk, supervisor):
    c = intake(clerk, "out_of_scope", outcome_note="属于燃气公司管辖，已向住户解释")
    c.refresh_from_db()
    assert c.status == Status.CLOSED
    assert c.closure == Closure.OUT_OF_SCOPE
    assert c.in_scope is False
    assert c.handled_at is None
    assert c.number.startswith("TS-")
    assert kinds(c) == [EventKind.RECEIVED, EventKind.GRADED, EventKind.CLOSED]
    assert Complaint.objects.filter(pk=c.pk, in_scope=False).exists()


def test_intake_with_route_needs_a_department(clerk):
    with pytest.raises(ValidationError) as exc:
        intake(clerk, "route")
    assert "department" in exc.value.message_dict
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("outcome", ["on_the_spot", "out_of_scope"])
def test_intake_closed_at_the_desk_needs_a_note(clerk, outcome):
    with pytest.raises(ValidationError) as exc:
        intake(clerk, outcome, outcome_note="  ")
    assert "outcome_note" in exc.value.message_dict
    assert not Complaint.objects.exists()


def test_intake_is_all_or_nothing_when_routing_fails(clerk, jr):
    with pytest.raises(services.ComplaintError):
        intake(clerk, "route", department=department(jr))
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()
    assert not ComplaintCounter.objects.filter(last__gt=0).exists()


def test_an_out_of_scope_complaint_cannot_be_routed(users):
    c = intake(users["clerk"], "out_of_scope", outcome_note="非公司职责范围，已解释")
    before = snapshot(c)
    with pytest.raises(services.IllegalTransition):
        ACTIONS["route"](c, users)
    assert snapshot(c) == before


def test_an_out_of_scope_complaint_reopened_still_cannot_be_routed(users):
    c = intake(users["clerk"], "out_of_scope", outcome_note="非公司职责范围，已解释")
    ACTIONS["reopen"](c, users)
    before = snapshot(c)
    with pytest.raises(services.IllegalTransition):
        ACTIONS["route"](c, users)
    assert snapshot(c) == before


def test_a_complaint_received_as_out_of_scope_cannot_be_routed(users):
    c = make_complaint(clerk=users["clerk"], in_scope=False)
    before = snapshot(c)
    with pytest.raises(services.IllegalTransition):
        ACTIONS["route"](c, users)
    assert snapshot(c) == before


# --- the handling log is append-only in the database -------------------------------------


def test_the_database_refuses_to_update_the_handling_log(clerk):
    c = make_complaint(clerk=clerk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ComplaintEvent.objects.filter(complaint=c).update(note="x")
    assert list(c.events.values_list("note", flat=True)) == ["", ""]


def test_the_database_refuses_to_delete_from_the_handling_log(clerk):
    c = make_complaint(clerk=clerk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ComplaintEvent.objects.filter(complaint=c).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM complaints_complaintevent")
    assert c.events.count() == 2


def test_a_log_entry_cannot_be_saved_again_or_deleted_through_the_model(clerk):
    c = make_complaint(clerk=clerk)
    event = c.events.first()
    event.note = "x"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
    assert c.events.count() == 2


def test_a_complaint_with_a_handling_log_cannot_be_deleted(clerk):
    c = make_complaint(clerk=clerk)
    with pytest.raises(ProtectedError), transaction.atomic():
        c.delete()
    assert c.events.count() == 2


# --- tasks are queued only after commit ----------------------------------------------------


def test_routing_registers_one_notification_for_after_commit(
    users, head_with_email, sent_tasks, django_capture_on_commit_callbacks
):
    c = make_complaint(clerk=users["clerk"])
    with django_capture_on_commit_callbacks() as callbacks:
        ACTIONS["route"](c, users)
    assert len(callbacks) == 1
    assert sent_tasks == []  # nothing is sent before the commit
    callbacks[0]()
    assert len(sent_tasks) == 1


def test_routing_notifies_once_the_transaction_commits(
    users, head_with_email, sent_tasks, django_capture_on_commit_callbacks
):
    c = make_complaint(clerk=users["clerk"])
    with django_capture_on_commit_callbacks(execute=True):
        ACTIONS["route"](c, users)
    assert len(sent_tasks) == 1


def test_no_notification_is_sent_when_the_surrounding_transaction_rolls_back(
    users, head_with_email, sent_tasks, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    c = make_complaint(clerk=users["clerk"])
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        ACTIONS["route"](c, users)
        raise Boom
    assert callbacks == []
    assert sent_tasks == []
    c.refresh_from_db()
    assert c.status == Status.RECEIVED
    assert not c.events.filter(kind=EventKind.ROUTED).exists()


def test_a_refused_route_queues_nothing(
    users, head_with_email, sent_tasks, django_capture_on_commit_callbacks
):
    c = at_status(Status.CLOSED, clerk=users["clerk"], head=users["head"])
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(services.ComplaintError),
    ):
        ACTIONS["reroute"](c, users)
    assert callbacks == []
    assert sent_tasks == []


# --- two clerks close the same complaint at once -----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_closes_let_exactly_one_through(clerk, dept_head, supervisor):
    c = at_status(Status.INFORMED, clerk=clerk, head=dept_head)
    barrier = threading.Barrier(2)
    results: list[object] = []
    lock = threading.Lock()

    def close(actor):
        try:
            barrier.wait(timeout=10)
            services.complaint_close(actor=actor, complaint_id=c.pk)
            outcome: object = "closed"
        except Exception as exc:  # collected and checked below
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=close, args=(who,)) for who in (clerk, supervisor)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert results.count("closed") == 1, results
    conflicts = [r for r in results if isinstance(r, services.Conflict)]
    assert len(conflicts) == 1, results
    c.refresh_from_db()
    assert c.status == Status.CLOSED
    assert c.events.filter(kind=EventKind.CLOSED).count() == 1


# --- residents' names and phones stay out of the logs ------------------------------------


def test_a_whole_flow_never_logs_the_residents_name_or_phone(
    caplog, monkeypatch, django_capture_on_commit_callbacks, users, head_with_email, director, ch
):
    name, phone = "欧阳娜娜", "13987654321"
    head, eng = head_with_email, users["eng"]
    # Queued tasks (the routed notice) run for real, in-process, instead of via the broker.
    monkeypatch.setattr(
        Task,
        "apply_async",
        lambda task, args=None, kwargs=None, **options: task.apply(args=args, kwargs=kwargs),
    )
    caplog.set_level(logging.DEBUG)
    unit = UnitFactory(estate=ch)
    clerk = users["clerk"]
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError):
            intake(clerk, "route", department=eng, resident_name=name, resident_phone="139")
        c = intake(
            clerk,
            "route",
            department=eng,
            unit=unit,
            resident_name=name,
            resident_phone=phone,
            grade=Grade.MINOR,
        )
        again = intake(
            clerk,
            "on_the_spot",
            outcome_note="已解释",
            unit=unit,
            resident_name=name,
            resident_phone=phone,
        )
        services.complaint_sign(actor=head, complaint_id=c.pk)
        ext = request_extension(c, head)
        services.extension_decide(actor=director, extension_id=ext.pk, approve=True)
        services.complaint_handle(actor=head, complaint_id=c.pk, note="已修复")
        services.complaint_inform(actor=clerk, complaint_id=c.pk, method="phone")
        services.complaint_close(actor=clerk, complaint_id=c.pk)
        services.complaint_reopen(actor=clerk, complaint_id=c.pk, reason="不满意")
        services.complaint_regrade(
            actor=users["supervisor"], complaint_id=c.pk, grade=Grade.IMPORTANT, reason="复核"
        )
        services.complaint_add_note(actor=clerk, complaint_id=c.pk, note="已电话联系")
    assert again.repeat_of_id == c.pk
    assert ["eng@example.com"] in [m.to for m in mail.outbox]  # the notice really ran
    assert caplog.records, "the flow should log something (at least the receipts)"
    for record in caplog.records:
        message = record.getMessage()
        assert name not in message, record
        assert phone not in message, record
        assert phone[:7] not in message, record
    assert name not in caplog.text
    assert phone not in caplog.text
