"""Tasks queued only after commit, and two simultaneous closes: one gets through."""

import threading

import pytest
from django.db import connection, transaction

from complaints import services
from complaints.models import EventKind, Status
from tests.complaint_helpers import ACTIONS, at_status
from tests.factories.complaints import make_complaint

# The complaint services queue Celery tasks; every test here records them instead
# (the ``sent_tasks`` fixture in conftest.py) so nothing reaches the broker.
pytestmark = pytest.mark.usefixtures("sent_tasks")


# --- tasks are queued only after commit ------------------------------------------------


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


# --- two clerks close the same complaint at once ---------------------------------------


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
