"""Every legal move of the complaint state machine, and every illegal one refused."""

import pytest

from complaints import services
from complaints.models import TRANSITIONS, EventKind, Status
from tests.complaint_helpers import ACTIONS, at_status, events_after, last_event_id, snapshot

# The complaint services queue Celery tasks; every test here records them instead
# (the ``sent_tasks`` fixture in conftest.py) so nothing reaches the broker.
pytestmark = pytest.mark.usefixtures("sent_tasks")


# --- every legal transition ------------------------------------------------------------

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


# --- every illegal transition ----------------------------------------------------------

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
