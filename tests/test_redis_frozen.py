"""A frozen Redis (SIGSTOP: the port still accepts connections, nothing answers) must
not hold up a clerk: publishing gives up within the broker's socket timeouts, the
deliveries wait in the database, and the beat job sends them once Redis answers again.

Runs a throwaway ``redis-server`` of its own on a free port; real Postgres, real commits
(``transaction=True``) so the after-commit publishing really happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from staff import notify
from staff.models import Delivery, Notification
from staff.tasks import deliver, requeue_deliveries
from tests.factories.staff import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis():
    """A redis-server of this test's own; continued and stopped whatever happens."""
    port = _free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.02)
    try:
        yield proc, f"redis://127.0.0.1:{port}/0", client
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        client.close()


@contextlib.contextmanager
def broker_at(url):
    """Point the Celery app at another broker, dropping its cached connection pools
    on the way in and out (as tests/test_deadline_sweep.py does)."""
    from config.celery import app

    def reset():
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    reset()
    app.conf.broker_url = url
    try:
        yield
    finally:
        reset()
        app.conf.broker_url = old


FREEZE_SECONDS = 6


@contextlib.contextmanager
def frozen(proc):
    """Redis frozen for FREEZE_SECONDS at most, so a publish that waits for it shows
    up as a slow call (a failed assertion) rather than a test that hangs."""
    os.kill(proc.pid, signal.SIGSTOP)
    thaw = threading.Timer(FREEZE_SECONDS, os.kill, (proc.pid, signal.SIGCONT))
    thaw.start()
    try:
        yield
    finally:
        thaw.cancel()
        os.kill(proc.pid, signal.SIGCONT)


def queued_delivery_ids(client) -> set[int]:
    """The delivery ids of the deliver messages waiting in this run's queue."""
    ids = set()
    for raw in client.lrange(settings.CELERY_TASK_DEFAULT_QUEUE, 0, -1):
        headers = json.loads(raw)["headers"]
        if headers["task"] == deliver.name:
            ids.add(int(headers["argsrepr"].strip("(),")))
    return ids


def timed(fn):
    started = time.monotonic()
    fn()
    return time.monotonic() - started


def test_the_transport_has_read_and_connect_timeouts():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert 0 < options["socket_timeout"] <= 1
    assert 0 < options["socket_connect_timeout"] <= 1


def test_notify_answers_in_under_two_seconds_with_redis_frozen(own_redis):
    proc, url, client = own_redis
    people = [UserFactory(email=f"p{i}@example.com") for i in range(3)]

    def notify_and_commit(key):
        with transaction.atomic():
            notify.notify(
                key=key,
                subject="派单超时",
                recipients=people,
                wecom_webhook="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
            )

    with broker_at(url):
        deliver.delay(0)  # a live pooled connection, as in a web process that has published
        client.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
        with frozen(proc):
            first = timed(lambda: notify_and_commit("frozen:1"))
            # A second alert in the same minute does not wait on the frozen broker again.
            second = timed(lambda: notify_and_commit("frozen:2"))
        assert first < 2, f"notify took {first:.1f} s with Redis frozen"
        assert second < 0.3, f"the second notify took {second:.2f} s"

        pending = Delivery.objects.filter(state=Delivery.State.PENDING, attempts=0)
        assert pending.count() == 8  # per alert: three emails and the WeCom group
        assert Notification.objects.count() == 6

        # Redis answers again: the beat job's requeue sends every waiting delivery.
        requeue_deliveries()
        assert queued_delivery_ids(client) >= set(pending.values_list("pk", flat=True))


def test_a_clerk_saves_a_complaint_in_under_two_seconds_with_redis_frozen(
    own_redis, client, clerk, dept_head
):
    proc, url, redis_client = own_redis
    dept_head.email = "head@example.com"
    dept_head.save(update_fields=["email"])
    client.force_login(clerk)
    form = {
        "description": "电梯停运",
        "channel": "phone",
        "category": "engineering",
        "grade": "minor",
        "resident_name": "张三",
        "resident_phone": "13812345678",
        "outcome": "route",
        "department": dept_head.staff_profile.department.pk,
    }
    with broker_at(url):
        deliver.delay(0)
        with frozen(proc):
            started = time.monotonic()
            response = client.post(reverse("complaints:intake"), form)
            elapsed = time.monotonic() - started
        assert response.status_code == 302
        assert elapsed < 2, f"the intake took {elapsed:.1f} s with Redis frozen"
        delivery = Delivery.objects.get(target="head@example.com")
        assert delivery.state == Delivery.State.PENDING
        requeue_deliveries()
        assert delivery.pk in queued_delivery_ids(redis_client)
