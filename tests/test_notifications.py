"""Inbox, email and WeCom deliveries: each cause once, each channel retried on its own."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from staff import notify
from staff.inbox import inbox_lines
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


# --- kinds, threads and the email digest ------------------------------------------------

Kind = Notification.Kind


@pytest.fixture
def supervisor_with_email(supervisor):
    supervisor.email = "supervisor@example.com"
    supervisor.save(update_fields=["email"])
    return supervisor


def _alarm(pk, n, kind=Kind.OVERDUE, recipients=()):
    return notify.Message(
        key=f"complaint:{pk}:route:due:{n}",
        subject=f"TS-{pk} 第{n}条",
        link=f"/complaints/{pk}/",
        recipients=tuple(recipients),
        kind=kind,
    )


def test_a_message_without_a_kind_is_other_and_emailed_at_once(clerk_with_email):
    notify.notify(key="complaint:7:stop-harm", subject="先止损", recipients=[clerk_with_email])
    n = Notification.objects.get()
    assert (n.kind, n.thread, n.digest_pending) == (Kind.OTHER, "complaint:7", False)
    assert Delivery.objects.filter(target="clerk@example.com").count() == 1


@pytest.mark.parametrize("kind", [Kind.ESCALATED, Kind.ROUTED, Kind.OTHER])
def test_urgent_kinds_are_emailed_at_once(clerk_with_email, kind):
    notify.notify_many([_alarm(1, 1, kind, [clerk_with_email])])
    assert Delivery.objects.filter(target="clerk@example.com").count() == 1
    assert not Notification.objects.get().digest_pending
    assert notify.digests_prepare() == []


@pytest.mark.parametrize("kind", sorted(notify.DIGEST_KINDS))
def test_reminders_overdue_and_extension_notices_wait_for_the_digest(clerk_with_email, kind):
    notify.notify_many([_alarm(1, 1, kind, [clerk_with_email])])
    assert not Delivery.objects.exists()
    assert Notification.objects.get().digest_pending


def test_the_estates_wecom_group_is_told_at_once_whatever_the_kind(clerk_with_email):
    message = notify.Message(
        key="complaint:1:resolve:due:x",
        subject="超时",
        recipients=(clerk_with_email,),
        wecom_webhook="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
        kind=Kind.OVERDUE,
    )
    notify.notify_many([message])
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["wecom"]


def test_someone_without_email_has_nothing_waiting_for_a_digest(clerk):
    notify.notify_many([_alarm(1, 1, Kind.OVERDUE, [clerk])])
    assert not Notification.objects.get().digest_pending


def test_a_digest_lists_everything_since_the_last_one_in_one_email_per_person(
    clerk_with_email, supervisor_with_email, django_capture_on_commit_callbacks
):
    both = [clerk_with_email, supervisor_with_email]
    with django_capture_on_commit_callbacks(execute=False):
        notify.notify_many([_alarm(pk, n, recipients=both) for pk in (1, 2) for n in (1, 2)])
        notify.notify_many([_alarm(3, 1, Kind.DUE_SOON, [clerk_with_email])])
        ids = notify.digests_prepare()
    assert len(ids) == 2
    mine = Delivery.objects.get(target="clerk@example.com")
    assert mine.key.startswith(f"digest:{clerk_with_email.pk}:")
    assert "5" in mine.subject
    for pk, n in [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)]:
        assert f"TS-{pk} 第{n}条" in mine.body
    # The messages of one complaint are listed together, with its link once.
    assert mine.body.count("/complaints/1/") == 1
    assert mine.body.index("TS-1 第2条") < mine.body.index("TS-2 第1条")
    claimed = Notification.objects.filter(recipient=clerk_with_email)
    assert set(claimed.values_list("digest_pending", "digest_key")) == {
        (False, mine.key.split("|")[0])
    }
    # Nothing new: the next run sends nothing; something new: only that.
    with django_capture_on_commit_callbacks(execute=False):
        assert notify.digests_prepare() == []
        notify.notify_many([_alarm(4, 1, recipients=[clerk_with_email])])
        [later] = notify.digests_prepare()
    body = Delivery.objects.get(pk=later).body
    assert "TS-4 第1条" in body and "TS-1" not in body


def test_an_alarm_fired_twice_is_listed_once(clerk_with_email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        notify.notify_many([_alarm(1, 1, recipients=[clerk_with_email])])
        notify.digests_prepare()
        notify.notify_many([_alarm(1, 1, recipients=[clerk_with_email])])  # fired again
        assert notify.digests_prepare() == []
    assert Notification.objects.count() == 1 and Delivery.objects.count() == 1


def test_a_digest_is_sent_once_and_queued_after_the_commit(
    clerk_with_email, django_capture_on_commit_callbacks
):
    notify.notify_many([_alarm(1, 1, recipients=[clerk_with_email])])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [pk] = notify.digests_prepare()
    assert len(callbacks) == 1
    assert notify.delivery_send(delivery_id=pk) == "sent"
    assert notify.delivery_send(delivery_id=pk) == "skipped"
    assert len(mail.outbox) == 1 and "TS-1 第1条" in mail.outbox[0].body


def test_the_digest_task_is_on_the_beat_schedule(settings):
    from staff.tasks import send_digests

    entry = settings.CELERY_BEAT_SCHEDULE["notify-digest"]
    assert entry["task"] == send_digests.name
    assert entry["schedule"] == 60 * settings.NOTIFY_DIGEST_MINUTES
    assert settings.NOTIFY_DIGEST_MINUTES == 15


def test_the_digest_task_prepares_the_digests(clerk_with_email, monkeypatch):
    from staff.tasks import send_digests

    monkeypatch.setattr("staff.tasks.deliver.delay", lambda pk: None)
    notify.notify_many([_alarm(1, 1, recipients=[clerk_with_email])])
    send_digests()
    assert Delivery.objects.filter(key__startswith="digest:").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_digest_runs_at_once_send_each_message_once(ch, clerk_with_email, monkeypatch):
    """One run holds its claim (not yet committed) while a second runs: the second skips
    the locked rows, so nobody gets the same message in two emails."""
    monkeypatch.setattr("staff.tasks.deliver.delay", lambda pk: None)
    notify.notify_many([_alarm(pk, 1, recipients=[clerk_with_email]) for pk in range(1, 4)])
    claimed, release, second = threading.Event(), threading.Event(), []

    def first_run():
        try:
            with transaction.atomic():
                notify.digests_prepare()
                claimed.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=first_run)
    thread.start()
    try:
        assert claimed.wait(timeout=30)
        second.extend(notify.digests_prepare())
    finally:
        release.set()
        thread.join()
    assert second == []
    assert notify.digests_prepare() == []
    [digest] = Delivery.objects.filter(key__startswith="digest:")
    assert all(f"TS-{pk} 第1条" in digest.body for pk in range(1, 4))


# --- the inbox: one line per complaint -----------------------------------------------


def test_the_inbox_shows_one_line_per_complaint_with_a_count(client, clerk):
    notify.notify_many([_alarm(1, 1, Kind.DUE_SOON, [clerk]), _alarm(2, 1, recipients=[clerk])])
    notify.notify_many([_alarm(1, 2, Kind.OVERDUE, [clerk])])
    lines = inbox_lines(user=clerk)
    assert [(line.thread, line.count, line.unread) for line in lines] == [
        ("complaint:1", 2, 2),
        ("complaint:2", 1, 1),
    ]
    assert lines[0].latest.subject == "TS-1 第2条"  # the latest message on top
    client.force_login(clerk)
    page = client.get(reverse("inbox")).content.decode()
    assert page.count('data-testid="inbox-line"') == 2
    assert "TS-1 第1条" in page and "TS-1 第2条" in page  # every message still there
    assert 'data-testid="unread-count">2<' in page  # lines, not messages


def test_a_new_message_makes_a_read_line_unread_again(clerk):
    notify.notify_many([_alarm(1, 1, Kind.DUE_SOON, [clerk])])
    notify.inbox_mark_read(user=clerk, notification_id=Notification.objects.get().pk)
    assert inbox_lines(user=clerk)[0].unread == 0
    notify.notify_many([_alarm(1, 2, Kind.OVERDUE, [clerk])])
    [line] = inbox_lines(user=clerk)
    assert (line.count, line.unread, line.latest.subject) == (2, 1, "TS-1 第2条")


def test_opening_a_line_marks_all_its_messages_read(client, clerk):
    notify.notify_many([_alarm(1, n, recipients=[clerk]) for n in (1, 2, 3)])
    notify.notify_many([_alarm(2, 1, recipients=[clerk])])
    client.force_login(clerk)
    latest = inbox_lines(user=clerk)[0].latest
    response = client.post(reverse("inbox_read", args=[latest.pk]), {"next": "/complaints/2/"})
    assert response["Location"] == "/complaints/2/"
    unread = Notification.objects.filter(read_at__isnull=True)
    assert set(unread.values_list("thread", flat=True)) == {"complaint:1"}


def test_mark_the_selected_lines_read(client, clerk, supervisor):
    for pk in (1, 2, 3):
        notify.notify_many(
            [_alarm(pk, 1, recipients=[clerk, supervisor]), _alarm(pk, 2, recipients=[clerk])]
        )
    client.force_login(clerk)
    client.post(
        reverse("inbox_read_all"),
        {"scope": "selected", "thread": ["complaint:1", "complaint:3"]},
    )
    unread = Notification.objects.filter(recipient=clerk, read_at__isnull=True)
    assert set(unread.values_list("thread", flat=True)) == {"complaint:2"}
    assert Notification.objects.filter(recipient=supervisor, read_at__isnull=True).count() == 3
    # Nothing ticked: nothing marked.
    client.post(reverse("inbox_read_all"), {"scope": "selected"})
    assert unread.count() == 2
    client.post(reverse("inbox_read_all"), {"scope": "all"})
    assert unread.count() == 0


def test_the_inbox_filters_by_kind(client, clerk):
    notify.notify_many(
        [
            _alarm(1, 1, Kind.DUE_SOON, [clerk]),
            _alarm(2, 1, Kind.OVERDUE, [clerk]),
            _alarm(3, 1, Kind.EXTENSION, [clerk]),
        ]
    )
    client.force_login(clerk)
    page = client.get(reverse("inbox"), {"kind": "overdue"}).content.decode()
    assert "TS-2 第1条" in page and "TS-1" not in page and "TS-3" not in page
    assert 'data-testid="inbox-filter"' in page
    # An unknown kind shows everything.
    assert (
        client.get(reverse("inbox"), {"kind": "nonsense"})
        .content.decode()
        .count('data-testid="inbox-line"')
        == 3
    )
    # "Mark all read" under a filter marks that kind only, and comes back to it.
    response = client.post(reverse("inbox_read_all"), {"scope": "all", "kind": "overdue"})
    assert response["Location"] == reverse("inbox") + "?kind=overdue"
    unread = Notification.objects.filter(read_at__isnull=True)
    assert sorted(unread.values_list("kind", flat=True)) == ["due_soon", "extension"]


def test_old_rows_get_their_thread_and_kind_from_the_key(clerk):
    from importlib import import_module

    fill = import_module("staff.migrations.0007_notification_threads").FILL
    keys = {
        "complaint:5:route:reminder:2026-11-23T10:07:30+08:00": ("complaint:5", "due_soon"),
        "complaint:5:route:due:2026-11-23T10:10:00+08:00": ("complaint:5", "overdue"),
        "complaint:6:escalate:due:2026-11-23T11:00:00+08:00": ("complaint:6", "escalated"),
        "complaint:6:upgrade:due:2026-12-23T11:00:00+08:00": ("complaint:6", "escalated"),
        "complaint:7:routed:2026-11-23T10:00:00+08:00": ("complaint:7", "routed"),
        "complaint:7:stop-harm": ("complaint:7", "other"),
        "k1": ("k1", "other"),
    }
    for key in keys:
        Notification.objects.create(
            recipient=clerk, key=key, subject="s", created_at=timezone.now(), thread=""
        )
    with connection.cursor() as cursor:
        cursor.execute(fill)
    assert dict(Notification.objects.values_list("key", "thread")) == {
        k: v[0] for k, v in keys.items()
    }
    assert dict(Notification.objects.values_list("key", "kind")) == {
        k: v[1] for k, v in keys.items()
    }


def test_a_digest_that_fails_half_way_claims_nothing(clerk_with_email, monkeypatch):
    """Claim and deliveries are one transaction: a crash while writing the email leaves
    every message waiting for the next digest, none lost."""
    notify.notify_many([_alarm(1, 1, Kind.OVERDUE, [clerk_with_email])])

    def broken(rows):
        raise RuntimeError("worker died")

    monkeypatch.setattr(notify, "_digest_text", broken)
    with pytest.raises(RuntimeError):
        notify.digests_prepare()
    assert Notification.objects.get().digest_pending
    assert not Delivery.objects.exists()
    monkeypatch.undo()
    assert len(notify.digests_prepare()) == 1


@pytest.mark.parametrize("people", [1, notify.INLINE_ROWS, notify.INLINE_ROWS + 1, 130])
def test_the_inbox_rows_of_few_and_of_many_recipients_once_each(people):
    """A few rows go in one INSERT … VALUES, many through a staged COPY: the same rows,
    the text kept as it was written, and a notice sent again adds nothing."""
    from django.test.utils import CaptureQueriesContext

    from tests.factories.staff import UserFactory

    users = UserFactory.create_batch(people, email="")
    subject = "投诉 %s 'TS-1' \\ 100% \"派单\""
    with CaptureQueriesContext(connection) as ctx:
        notify.notify(key="complaint:1:routed", subject=subject, body="正文", recipients=users)
    inserts = [q for q in ctx.captured_queries if "staff_notification" in q["sql"]]
    assert len(inserts) == (1 if people <= notify.INLINE_ROWS else 2)  # the stage, the insert
    notify.notify(key="complaint:1:routed", subject=subject, body="正文", recipients=users)
    rows = Notification.objects.filter(key="complaint:1:routed")
    assert rows.count() == people
    assert set(rows.values_list("subject", "body", "thread")) == {(subject, "正文", "complaint:1")}
    assert set(rows.values_list("recipient_id", flat=True)) == {u.pk for u in users}
