"""Notifications: the in-app inbox, email and the estate's WeCom group robot.

``notify`` is called inside the transaction of whatever caused the alert. It writes
the inbox rows and one Delivery per outside channel; unique keys make a second call
with the same cause a no-op. Each delivery is sent by its own task, queued after the
commit; a failure is retried later with backoff by ``deliveries_requeue`` (beat), so a
failing channel never blocks or repeats the cause, and nothing waits on a Celery
countdown.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import Delivery, Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STALE_CLAIM = dt.timedelta(minutes=10)
WECOM_TIMEOUT = 5


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


@dataclass(frozen=True)
class Message:
    key: str
    subject: str
    body: str = ""
    link: str = ""
    recipients: Iterable = ()
    wecom_webhook: str = ""


def notify(
    *,
    key: str,
    subject: str,
    body: str = "",
    link: str = "",
    recipients: Iterable,
    wecom_webhook: str = "",
) -> None:
    """Inbox + email to each recipient, + the WeCom group if given. Calling it again
    with the same key adds nothing."""
    notify_many([Message(key, subject, body, link, tuple(recipients), wecom_webhook)])


def notify_many(messages: list[Message]) -> None:
    """Many messages in three queries: inbox rows, delivery rows, and the ids of the
    new deliveries to queue after the commit."""
    if not messages:
        return
    now = timezone.now()
    inbox: list[tuple] = []  # (recipient_id, key, subject, body, link)
    deliveries = []
    for m in messages:
        recipients = {u.pk: u for u in m.recipients if u is not None and u.is_active}.values()
        subject = m.subject[:200]
        for u in recipients:
            inbox.append((u.pk, m.key, subject, m.body, m.link))
            if u.email:
                deliveries.append(
                    Delivery(
                        key=f"{m.key}|email|{u.email}"[:300],
                        channel=Delivery.Channel.EMAIL,
                        target=u.email,
                        subject=subject,
                        body=f"{m.body}\n\n{m.link}".strip(),
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
        if m.wecom_webhook:
            deliveries.append(
                Delivery(
                    key=f"{m.key}|wecom"[:300],
                    channel=Delivery.Channel.WECOM,
                    target=m.wecom_webhook,
                    subject=subject,
                    body=m.body,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    _insert_inbox(inbox, now)
    if not deliveries:
        return
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    ids = list(
        Delivery.objects.filter(
            key__in=[d.key for d in deliveries], state=Delivery.State.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: _queue(ids), robust=True)


def _insert_inbox(rows: list[tuple], now) -> None:
    """One INSERT … SELECT FROM unnest(…); the unique (recipient, key) drops repeats."""
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO staff_notification (recipient_id, key, subject, body, link, created_at) "
            "SELECT r, k, s, b, l, %s FROM unnest("
            "%s::int[], %s::text[], %s::text[], %s::text[], %s::text[]) AS u(r, k, s, b, l) "
            "ON CONFLICT (recipient_id, key) DO NOTHING",
            [now, *(list(col) for col in columns)],
        )


# After a publish fails, this process leaves that broker alone for a while: a request
# pays for at most one failed attempt (bounded by the broker's socket timeouts), and
# what it would have queued waits in the database for requeue_deliveries (beat).
BROKER_PAUSE_SECONDS = 15.0
_broker_paused_until: dict[str, float] = {}  # broker URL -> time.monotonic()


def _queue(ids: list[int]) -> None:
    from .tasks import deliver

    broker = str(deliver.app.conf.broker_url)
    if not ids or time.monotonic() < _broker_paused_until.get(broker, 0.0):
        return
    for n, pk in enumerate(ids):
        try:
            deliver.delay(pk)
        except Exception as exc:  # noqa: BLE001 - the rows are resent by requeue_deliveries
            _broker_paused_until[broker] = time.monotonic() + BROKER_PAUSE_SECONDS
            logger.warning(
                "broker unavailable (%s): %d deliveries wait for the requeue job",
                type(exc).__name__,
                len(ids) - n,
            )
            return
    _broker_paused_until.pop(broker, None)


def delivery_send(*, delivery_id: int) -> str:
    """Claim the delivery, send it once, record the outcome. Returns the new state."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, state=Delivery.State.PENDING, next_attempt_at__lte=now
    ).update(state=Delivery.State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    d = Delivery.objects.get(pk=delivery_id)
    try:
        if d.channel == Delivery.Channel.EMAIL:
            send_mail(d.subject, d.body, None, [d.target])
        else:
            _post_wecom(d.target, f"{d.subject}\n{d.body}".strip())
    except Exception as exc:  # noqa: BLE001 - any failure of the channel is retried
        failed = d.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=d.pk).update(
            state=Delivery.State.FAILED if failed else Delivery.State.PENDING,
            next_attempt_at=now + backoff(d.attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:300],
        )
        logger.warning("delivery %s (%s) failed: %s", d.pk, d.channel, type(exc).__name__)
        return "failed" if failed else "retry"
    Delivery.objects.filter(pk=d.pk).update(state=Delivery.State.SENT, sent_at=timezone.now())
    return "sent"


def _post_wecom(url: str, content: str) -> None:
    payload = json.dumps({"msgtype": "text", "text": {"content": content}}).encode()
    request = urllib.request.Request(  # noqa: S310 - a manager-configured https webhook
        url, data=payload, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=WECOM_TIMEOUT) as response:  # noqa: S310
        answer = json.loads(response.read() or b"{}")
    if answer.get("errcode", 0) != 0:
        raise RuntimeError(f"WeCom errcode {answer.get('errcode')}: {answer.get('errmsg')}")


def deliveries_requeue(*, limit: int = 500) -> list[int]:
    """Deliveries due for a (re)try: pending ones whose time has come (Redis was down, or
    a backoff ran out) and claims abandoned by a killed worker."""
    now = timezone.now()
    Delivery.objects.filter(state=Delivery.State.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        state=Delivery.State.PENDING
    )
    return list(
        Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def inbox_mark_read(*, user, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
