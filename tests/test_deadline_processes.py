"""The deadline engine through real processes: beat wakes a worker on Redis, and a
worker killed in the middle of a sweep leaves nothing done twice or undone."""

import datetime as dt
import os
import signal

import pytest
from django.db.models import Count
from django.utils import timezone

from casework.models import Alarm, ClockRule
from casework.tasks import sweep_deadlines
from complaints.models import Complaint, ComplaintEvent, EventKind
from staff.models import Heartbeat, Notification
from tests import processes
from tests.factories.complaints import make_complaint

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_an_unrouted_complaint_is_alerted_by_the_running_worker_and_beat(clerk, supervisor):
    # A shortened policy: routing is due at once; beat wakes the sweep every 2 seconds.
    ClockRule.objects.update_or_create(
        key="complaint.route", defaults={"amount": 0, "unit": "minutes"}
    )
    complaint = make_complaint(clerk=clerk)
    processes.flush_broker()
    worker = processes.start("worker")
    beat = processes.start("beat", DEADLINE_SWEEP_SECONDS="2")
    try:
        processes.wait_for(
            lambda: Notification.objects.filter(
                recipient=supervisor, key__contains=":route:due:"
            ).exists(),
            timeout=60,
            procs=[worker, beat],
            what="the route alert",
        )
    finally:
        processes.stop(beat)
        processes.stop(worker)
    overdue = ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.OVERDUE)
    assert [e.data["clock"] for e in overdue] == ["route"]
    assert Heartbeat.objects.filter(key="deadline_sweep").exists()


def _many_due(clerk, n):
    for i in range(n):
        make_complaint(clerk=clerk, resident_phone=f"139{i:08d}")
    past = timezone.now() - dt.timedelta(hours=1)
    # As if the engine had been down: every routing deadline passed an hour ago.
    Complaint.objects.update(route_due=past, sweep_at=past)


def test_a_worker_killed_mid_sweep_is_finished_by_the_next_once_each(clerk, supervisor):
    n = 400
    _many_due(clerk, n)
    processes.flush_broker()
    # Small batches (one transaction each), so the kill lands in the middle.
    worker = processes.start("worker", DEADLINE_SWEEP_BATCH="5")
    try:
        sweep_deadlines.delay()
        processes.wait_for(
            lambda: Alarm.objects.filter(case_type="complaint", kind="due").count() >= 10,
            procs=[worker],
            what="the sweep to start",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        done_when_killed = Alarm.objects.filter(case_type="complaint", kind="due").count()
        assert done_when_killed < n, "the sweep finished before it could be killed"
    finally:
        processes.stop(worker)
    # Restarted; beat's next tick wakes the sweep again.
    worker = processes.start("worker", DEADLINE_SWEEP_BATCH="5")
    try:
        sweep_deadlines.delay()
        processes.wait_for(
            lambda: Alarm.objects.filter(case_type="complaint", kind="due").count() >= n,
            procs=[worker],
            what="every item",
        )
        sweep_deadlines.delay()  # and once more, for good measure
        processes.wait_for(
            lambda: not Complaint.objects.filter(sweep_at__lte=timezone.now()).exists(),
            procs=[worker],
            what="the queue to drain",
        )
    finally:
        processes.stop(worker)
    per_complaint = (
        ComplaintEvent.objects.filter(kind=EventKind.OVERDUE)
        .values("complaint_id")
        .annotate(n=Count("id"))
    )
    assert len(per_complaint) == n
    assert {row["n"] for row in per_complaint} == {1}
    assert Notification.objects.filter(recipient=supervisor).count() == n
