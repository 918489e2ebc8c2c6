"""What people are told about extensions: the approver that a request waits for them
(when it is made, and when a regrade passes it to another approver), and the head who
asked that it was decided. Called inside the transaction of the cause; bulk, so the
sweep tells every approver of a batch in a few queries."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.models import Notification
from staff.notify import Message, notify_many
from staff.selectors import Directory

from .models import Complaint, Extension


def _when(at: dt.datetime) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}"


def _message(c: Complaint, key: str, subject: str, body: str, recipients: list) -> Message:
    return Message(
        key=f"complaint:{c.pk}:extension:{key}",
        subject=f"[{c.estate.name}] {c.number} {subject}",
        body=body,
        link=reverse("complaints:detail", args=[c.pk]),
        recipients=recipients,
        kind=Notification.Kind.EXTENSION,
        thread=f"complaint:{c.pk}",
    )


def extensions_waiting(extensions: list[Extension], *, passed: bool = False) -> None:
    """Tell the approver(s) named on each request (their role at the complaint's estate;
    a general manager also company-wide) that it waits for their decision. ``passed``:
    a regrade has just passed it to them (a new notice, even for the same person)."""
    if not extensions:
        return
    people = Directory.load(
        estate_ids={e.complaint.estate_id for e in extensions},
        roles={e.approver_role for e in extensions},
    )
    now = timezone.now().isoformat()
    messages = []
    for e in extensions:
        c = e.complaint
        if passed:
            key = f"{e.pk}:passed:{e.approver_role}:{now}"
            subject = _("regraded: the extension request now waits for your decision")
        else:
            key = f"{e.pk}:requested"
            subject = _("extension requested: waits for your decision")
        body = _(
            "New deadline asked for: %(deadline)s. Reason: %(reason)s. Interim measure: %(measure)s"
        ) % {
            "deadline": _when(e.new_deadline),
            "reason": e.reason,
            "measure": e.interim_measure,
        }
        recipients = people.with_roles(c.estate_id, e.approver_role)
        messages.append(_message(c, key, subject, body, recipients))
    notify_many(messages)


def extension_decided(e: Extension) -> None:
    """Tell the head who asked what the approver decided."""
    c = e.complaint
    if e.decision == Extension.Decision.APPROVED:
        subject = _("extension approved: new deadline %(deadline)s") % {
            "deadline": _when(e.new_deadline)
        }
    else:
        subject = _("extension refused: the deadline stays")
    by = e.decided_by
    decider = (by.get_full_name() or by.get_username()) if by is not None else ""
    body = _("%(who)s: %(note)s") % {"who": decider, "note": e.decision_note or "—"}
    notify_many([_message(c, f"{e.pk}:decided", subject, body, [e.requested_by])])
