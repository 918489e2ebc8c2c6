"""The deadline engine through real processes: beat wakes a worker on Redis, and a
worker killed in the middle of a sweep leaves nothing done twice or undone."""

import datetime as dt
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db.models import Count
from django.utils import timezone

from casework.models import Alarm, ClockRule
from casework.tasks import sweep_deadlines
from complaints.models import Complaint, ComplaintEvent, EventKind
from staff.models import Delivery, Heartbeat, Notification
from staff.notify import notify
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


class _SlowRobot(BaseHTTPRequestHandler):
    """A WeCom group robot that answers after 8 s, past our 5 s timeout."""

    def do_POST(self):  # noqa: N802 - the handler's protocol
        time.sleep(8)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode": 0}')

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_robot():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowRobot)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send"
    server.shutdown()
    server.server_close()


def test_a_slow_channel_and_a_flood_of_deliveries_never_delay_an_alarm(
    clerk, supervisor, slow_robot
):
    """Forty messages wait for a robot that takes 8 s each on the default queue (one
    worker, one at a time: more than five minutes of work); the routing deadlines that
    pass meanwhile are still alarmed within a few sweep intervals, by the deadline
    worker."""
    estate = clerk.staff_profile.estate
    estate.wecom_webhook = slow_robot
    estate.save(update_fields=["wecom_webhook"])
    processes.flush_broker()
    for i in range(40):
        notify(key=f"flood:{i}", subject="通知", recipients=[], wecom_webhook=slow_robot)
    ClockRule.objects.update_or_create(
        key="complaint.route", defaults={"amount": 0, "unit": "minutes"}
    )
    complaints = [make_complaint(clerk=clerk, resident_phone=f"1370000{i:04d}") for i in range(3)]
    general = processes.start("general")
    deadlines = processes.start("deadlines")
    beat = processes.start("beat", DEADLINE_SWEEP_SECONDS="2")
    procs = [general, deadlines, beat]
    try:
        processes.wait_for(
            lambda: (
                Alarm.objects.filter(case_type="complaint", clock="route", kind="due").count()
                == len(complaints)
            ),
            timeout=30,
            procs=procs,
            what="the routing alarms while deliveries crawl",
        )
        assert Delivery.objects.filter(key__startswith="flood:", state="sent").count() < 40
    finally:
        for proc in procs:
            processes.stop(proc)
