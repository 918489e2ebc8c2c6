"""Notifications: the in-app inbox, email and the estate's WeCom group robot.

``notify`` is called inside the transaction of whatever caused the alert. It writes
the inbox rows and one Delivery per outside channel; unique keys make a second call
with the same cause a no-op. Each delivery is sent by its own task, queued after the
commit; a failure is retried later with backoff by ``deliveries_requeue`` (beat), so a
failing channel never blocks or repeats the cause, and nothing waits on a Celery
countdown.

So that nobody drowns, a message has a kind. The inbox shows one line per thread (a
complaint) with a count (``staff.inbox``). Email of the kinds in ``DIGEST_KINDS`` is not
sent message by message: the inbox row waits (``digest_pending``) for the beat job
``digests_prepare`` (every ``NOTIFY_DIGEST_MINUTES``), which sends each person one email
listing what came since the last one. Every other kind is emailed at once, and a WeCom
group message (the estate's group, not a person) is always sent at once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .bulk import staged
from .models import Delivery, Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STALE_CLAIM = dt.timedelta(minutes=10)
WECOM_TIMEOUT = 5


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


Kind = Notification.Kind

# Kinds whose email waits for the recipient's digest: reminders, overdue alarms and
# extension requests and decisions (the inbox has them at once). Every other kind is
# emailed at once: ESCALATED (an escalation, an upgrade to major), ROUTED (the head has
# ten minutes to sign for it) and OTHER, the kind of every caller that names none, such
# as the intake desk's "stop the harm" alert and a repeated matter passed up.
DIGEST_KINDS = frozenset({Kind.DUE_SOON, Kind.OVERDUE, Kind.EXTENSION})
# At most this many messages are listed in one digest email; the inbox has them all.
DIGEST_LISTED = 60


@dataclass(frozen=True)
class Message:
    key: str
    subject: str
    body: str = ""
    link: str = ""
    recipients: Iterable = ()
    wecom_webhook: str = ""
    kind: str = Kind.OTHER
    # The inbox line it joins; empty: worked out from the key (``thread_of``).
    thread: str = ""


def thread_of(key: str) -> str:
    """``complaint:42:route:due:…`` belongs to ``complaint:42``; any other key is a
    thread of its own."""
    parts = key.split(":", 2)
    if len(parts) == 3 and parts[1].isdigit():
        return f"{parts[0]}:{parts[1]}"
    return key


def notify(
    *,
    key: str,
    subject: str,
    body: str = "",
    link: str = "",
    recipients: Iterable,
    wecom_webhook: str = "",
    kind: str = Kind.OTHER,
    thread: str = "",
) -> None:
    """Inbox + email to each recipient, + the WeCom group if given. Calling it again
    with the same key adds nothing."""
    notify_many([Message(key, subject, body, link, tuple(recipients), wecom_webhook, kind, thread)])


def notify_many(messages: list[Message]) -> None:
    """Many messages in three queries: inbox rows, delivery rows, and the ids of the
    new deliveries to queue after the commit."""
    if not messages:
        return
    now = timezone.now()
    inbox: list[tuple] = []  # (recipient_id, key, subject, body, link, kind, thread, digest)
    deliveries = []
    for m in messages:
        recipients = {u.pk: u for u in m.recipients if u is not None and u.is_active}.values()
        subject = m.subject[:200]
        digest = m.kind in DIGEST_KINDS
        thread = (m.thread or thread_of(m.key))[:200]
        for u in recipients:
            inbox.append(
                (u.pk, m.key, subject, m.body, m.link, m.kind, thread, digest and bool(u.email))
            )
            if u.email and not digest:
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


INBOX_COLUMNS = ["recipient_id", "key", "subject", "body", "link", "kind", "thread"]
INBOX_COLUMNS += ["digest_pending"]


# Up to this many inbox rows go in one INSERT … VALUES; more are staged and COPY'd.
INLINE_ROWS = 50


def _insert_inbox(rows: list[tuple], now) -> None:
    """One INSERT; the unique (recipient, key) drops repeats, so an alarm fired twice
    adds nothing to the inbox nor to the digest. A few rows (a notice to a department's
    heads) go as VALUES in that statement; many (a sweep's alarms) are COPY'd to a stage
    first, then inserted from it: five statements, worth it only for many rows."""
    if not rows:
        return
    head = f"INSERT INTO staff_notification ({', '.join(INBOX_COLUMNS)}, digest_key, created_at) "
    tail = " ON CONFLICT (recipient_id, key) DO NOTHING"
    if len(rows) <= INLINE_ROWS:
        one = f"({', '.join(['%s'] * len(INBOX_COLUMNS))}, '', %s)"
        with connection.cursor() as c:
            c.execute(
                f"{head}VALUES {', '.join([one] * len(rows))}{tail}",  # noqa: S608 - names from code
                [value for row in rows for value in (*row, now)],
            )
        return
    with staged("staff_notification", INBOX_COLUMNS, rows) as stage, connection.cursor() as c:
        c.execute(
            f"{head}SELECT {', '.join(INBOX_COLUMNS)}, '', %s FROM {stage}{tail}",  # noqa: S608 - names from code
            [now],
        )


# After a publish fails, this process leaves that broker alone for a while: a request
# pays for at most one failed attempt (bounded by the broker's socket timeouts), and
# what it would have queued waits in the database for requeue_deliveries (beat).
BROKER_PAUSE_SECONDS = 15.0
_broker_paused_until: dict[str, float] = {}  # broker URL -> time.monotonic()


@shared_task(
    name="staff.tasks.deliver", ignore_result=True, rate_limit=settings.DELIVERY_RATE_LIMIT
)
def deliver(delivery_id: int) -> None:
    """Send one email or WeCom message; failures are rescheduled in the database."""
    delivery_send(delivery_id=delivery_id)


def _queue(ids: list[int]) -> None:
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


def inbox_mark_read(
    *,
    user,
    notification_id: int | None = None,
    threads: Iterable[str] | None = None,
    kind: str = "",
) -> int:
    """Mark the user's messages read: the whole line (thread) of one notification, the
    lines ``threads``, or all of them (of ``kind`` when given). Returns how many."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        thread = (
            Notification.objects.filter(recipient=user, pk=notification_id)
            .values_list("thread", flat=True)
            .first()
        )
        if thread is None:
            return 0
        qs = (
            qs.filter(Q(pk=notification_id) | Q(thread=thread))
            if thread
            else qs.filter(pk=notification_id)
        )
    if threads is not None:
        qs = qs.filter(thread__in=[t for t in threads if t])
    if kind:
        qs = qs.filter(kind=kind)
    return qs.update(read_at=timezone.now())


# --- the email digest -------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def digests_prepare(*, limit: int = 5000) -> list[int]:
    """Claim every message waiting for the digest and write one email Delivery per
    person listing them; the deliveries are queued after the commit and returned.

    The claim is a conditional update of rows locked with SKIP LOCKED, in the same
    transaction as the deliveries it writes: a doubled beat or a retried task claims
    nothing twice, and a crash in between claims nothing at all. A digest's key names
    the first and last message it carries, so it is unique too."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, recipient_id FROM staff_notification WHERE digest_pending "
            "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            [limit],
        )
        locked = cursor.fetchall()
        if not locked:
            return []
        by_person: dict[int, list[int]] = {}
        for pk, recipient_id in locked:
            by_person.setdefault(recipient_id, []).append(pk)
        keys = {r: f"digest:{r}:{ids[0]}-{ids[-1]}" for r, ids in by_person.items()}
        cursor.execute(
            "UPDATE staff_notification AS n SET digest_pending = false, digest_key = u.key "
            "FROM unnest(%s::bigint[], %s::text[]) AS u(id, key) "
            "WHERE n.id = u.id AND n.digest_pending RETURNING n.id",
            [[pk for pk, _r in locked], [keys[r] for _pk, r in locked]],
        )
        claimed = {row[0] for row in cursor.fetchall()}
    rows: dict[int, list[dict[str, Any]]] = {}
    for row in (
        Notification.objects.filter(pk__in=claimed)
        .order_by("id")
        .values("recipient_id", "subject", "link", "thread", "created_at")
    ):
        rows.setdefault(row["recipient_id"], []).append(dict(row))
    people = get_user_model().objects.filter(pk__in=list(rows), is_active=True)
    emails = {u.pk: u.email for u in people if u.email}
    now = timezone.now()
    deliveries = []
    for recipient_id, email in emails.items():
        subject, body = _digest_text(rows[recipient_id])
        deliveries.append(
            Delivery(
                key=f"{keys[recipient_id]}|email|{email}"[:300],
                channel=Delivery.Channel.EMAIL,
                target=email,
                subject=subject[:200],
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
        )
    created = Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    ids = list(
        Delivery.objects.filter(
            key__in=[d.key for d in created], state=Delivery.State.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: _queue(ids), robust=True)
    return ids


def _digest_text(rows: list[dict[str, Any]]) -> tuple[str, str]:
    """The digest's subject and body: the messages of each line (complaint) together,
    in the order they came, each with its time, then the link."""
    subject = _("Property service desk: %(count)d new notifications") % {"count": len(rows)}
    threads: dict[str, list[dict]] = {}
    for r in rows[:DIGEST_LISTED]:
        threads.setdefault(r["thread"], []).append(r)
    parts = [
        _("Since the last digest (%(count)d). Your inbox has every one of them: %(inbox)s")
        % {"count": len(rows), "inbox": reverse("inbox")}
    ]
    for messages in threads.values():
        lines = [
            f"{timezone.localtime(m['created_at']):%m-%d %H:%M}  {m['subject']}" for m in messages
        ]
        link = messages[-1]["link"]
        parts.append("\n".join([*lines, *([f"  {link}"] if link else [])]))
    if len(rows) > DIGEST_LISTED:
        parts.append(
            _("… and %(count)d more in your inbox.") % {"count": len(rows) - DIGEST_LISTED}
        )
    return subject, "\n\n".join(parts)
