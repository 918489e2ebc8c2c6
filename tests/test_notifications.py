"""Inbox, email and WeCom deliveries: each cause once, each channel retried on its own."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from staff import notify
from staff.models import Delivery, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_with_email(clerk):
    clerk.email = "clerk@example.com"
    clerk.save(update_fields=["email"])
    return clerk


def test_notify_twice_with_the_same_key_gives_one_of_each(clerk_with_email, supervisor):
    for _ in range(2):
        notify.notify(key="k1", subject="超时", recipients=[clerk_with_email, supervisor])
    assert Notification.objects.filter(key="k1").count() == 2
    assert Delivery.objects.filter(key__startswith="k1|").count() == 1  # only clerk has email


def test_deliveries_are_queued_only_after_commit(clerk_with_email, monkeypatch):
    queued = []
    monkeypatch.setattr("staff.tasks.deliver.delay", queued.append)
    with pytest.raises(RuntimeError), transaction.atomic():
        notify.notify(key="k2", subject="s", recipients=[clerk_with_email])
        raise RuntimeError("roll back")
    assert queued == [] and not Delivery.objects.exists()


def test_email_delivery_is_sent_once(clerk_with_email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        notify.notify(key="k3", subject="派单超时", body="TS-1", recipients=[clerk_with_email])
    d = Delivery.objects.get()
    assert notify.delivery_send(delivery_id=d.pk) == "sent"
    assert notify.delivery_send(delivery_id=d.pk) == "skipped"
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "派单超时"


def test_a_failing_channel_is_retried_with_backoff_then_given_up(clerk, monkeypatch):
    d = Delivery.objects.create(
        key="k4|wecom",
        channel="wecom",
        target="http://127.0.0.1:1/hook",
        subject="s",
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    assert notify.delivery_send(delivery_id=d.pk) == "retry"
    d.refresh_from_db()
    assert d.state == "pending" and d.attempts == 1 and d.last_error
    # Not due yet: nothing happens before the backoff ends.
    assert notify.delivery_send(delivery_id=d.pk) == "skipped"
    assert notify.deliveries_requeue() == []
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert notify.deliveries_requeue() == [d.pk]
    Delivery.objects.filter(pk=d.pk).update(
        attempts=notify.MAX_ATTEMPTS - 1, next_attempt_at=timezone.now()
    )
    assert notify.delivery_send(delivery_id=d.pk) == "failed"


def test_a_claim_abandoned_by_a_killed_worker_is_requeued(clerk):
    d = Delivery.objects.create(
        key="k5",
        channel="email",
        target="a@example.com",
        subject="s",
        state="sending",
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
        claimed_at=timezone.now() - dt.timedelta(minutes=11),
    )
    assert notify.deliveries_requeue() == [d.pk]


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        _Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode": 0, "errmsg": "ok"}')

    def log_message(self, *args):
        pass


def test_wecom_robot_gets_a_text_message():
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=x"
        notify.notify(
            key="k6", subject="重大投诉上报", body="TS-9", recipients=[], wecom_webhook=url
        )
        d = Delivery.objects.get(channel="wecom")
        assert notify.delivery_send(delivery_id=d.pk) == "sent"
    finally:
        server.shutdown()
    assert _Hook.received[-1] == {"msgtype": "text", "text": {"content": "重大投诉上报\nTS-9"}}


def test_inbox_shows_unread_count_and_marks_read(client, clerk):
    notify.notify(key="k7", subject="投诉 TS-1 派单超时", link="/complaints/", recipients=[clerk])
    client.force_login(clerk)
    page = client.get(reverse("complaints:intake")).content.decode()
    assert 'data-testid="unread-count">1<' in page
    assert "投诉 TS-1 派单超时" in client.get(reverse("inbox")).content.decode()
    n = Notification.objects.get()
    response = client.post(reverse("inbox_read", args=[n.pk]), {"next": "/complaints/"})
    assert response["Location"] == "/complaints/"
    assert 'data-testid="unread-count"' not in client.get(reverse("inbox")).content.decode()


def test_nobody_marks_another_users_notifications(client, clerk, supervisor):
    notify.notify(key="k8", subject="s", recipients=[supervisor])
    client.force_login(clerk)
    client.post(reverse("inbox_read", args=[Notification.objects.get().pk]))
    assert Notification.objects.get().read_at is None


def test_an_open_redirect_is_refused(client, clerk):
    notify.notify(key="k9", subject="s", recipients=[clerk])
    client.force_login(clerk)
    response = client.post(
        reverse("inbox_read", args=[Notification.objects.get().pk]), {"next": "//evil.example"}
    )
    assert response["Location"] == reverse("inbox")
