"""Every write to a monthly report (SPEC §7). Each in one transaction, the row locked,
the actor's right and the report's state checked (the same predicates the screens
ask), the log written with it. A refused action raises ``ReportError`` (a
``casework.permissions.CaseError``) and writes nothing.

The figures come from ``reports.monthly.build_report``, looked up when called (tests
put a builder of their own in its place)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.permissions import CaseError, Conflict, IllegalTransition, NotAllowed, Permission
from staff.access import profile_of, works_at
from staff.models import Estate, Notification
from staff.notify import notify
from staff.roles import Role
from staff.selectors import users_with_roles

from .models import EventKind, MonthlyReport, ReportEvent
from .routing import on_replica

ReportError = CaseError

__all__ = [
    "ANALYSIS_LIMIT",
    "Conflict",
    "IllegalTransition",
    "NotAllowed",
    "ReportError",
    "changed_rows",
    "report_build",
    "report_can_regenerate",
    "report_can_sign",
    "report_can_submit",
    "report_can_write",
    "report_regenerate",
    "report_sign",
    "report_write_analysis",
]

ANALYSIS_LIMIT = 5000
# Who may have the figures built again on request.
REGENERATE_ROLES = {Role.SUPERVISOR, Role.OFFICE_DIRECTOR, Role.GENERAL_MANAGER}

Actor = User | AnonymousUser


def _role_at(user: Actor, estate_id: int, *roles: str) -> bool:
    profile = profile_of(user)
    return (
        profile is not None
        and profile.role in roles
        and user.is_active
        and works_at(user, estate_id)
    )


def _not_signed(r: MonthlyReport) -> CaseError | None:
    if r.is_signed:
        return IllegalTransition(_("The report is signed off: it no longer changes."))
    return None


def _writable(r: MonthlyReport) -> CaseError | None:
    if r.is_submitted:
        return IllegalTransition(_("The report was submitted already."))
    return None


def _signable(r: MonthlyReport) -> CaseError | None:
    if r.is_signed:
        return IllegalTransition(_("The report is signed off already."))
    if not r.is_submitted:
        return IllegalTransition(
            _("The supervisor has not submitted the report yet: it cannot be signed off.")
        )
    return None


report_can_regenerate: Permission[MonthlyReport] = Permission(
    who=lambda u, r: _role_at(u, r.estate_id, *REGENERATE_ROLES),
    denied=gettext_lazy(
        "Only the estate's supervisor, office director or the general manager may build "
        "the report again."
    ),
    refusal=_not_signed,
)
report_can_write: Permission[MonthlyReport] = Permission(
    who=lambda u, r: _role_at(u, r.estate_id, Role.SUPERVISOR),
    denied=gettext_lazy("Only the estate's customer-service supervisor writes the analysis."),
    refusal=_writable,
)
report_can_submit = report_can_write
report_can_sign: Permission[MonthlyReport] = Permission(
    who=lambda u, r: _role_at(u, r.estate_id, Role.OFFICE_DIRECTOR),
    denied=gettext_lazy("Only the estate's office director signs the report off."),
    refusal=_signable,
)


def can_see_ladder(user: Actor) -> bool:
    """Staff complained about repeatedly are visible to managers only (SPEC §7): the
    office director, the general manager and the admin's managers."""
    if user.is_superuser:
        return True
    profile = profile_of(user)
    return profile is not None and profile.role in (Role.OFFICE_DIRECTOR, Role.GENERAL_MANAGER)


def figures(
    estate_ids: list[int], month: dt.date, now: dt.datetime, *, whole_list: bool = False
) -> dict[str, Any]:
    """The report's figures and charts, read on the report replica when there is one.
    ``whole_list``: the estates are every one the reader sees (the company total)."""
    from . import monthly, trend  # looked up at call time: tests put their own builder here

    with on_replica():
        data = monthly.build_report(estate_ids, month, now=now, whole_list=whole_list)
        # What the charts draw is part of the snapshot too: the twelve months' trend and
        # the departments' on-time rates as they were when the report was built.
        data["charts"] = trend.charts(data, estate_ids, month)
    # Stored as JSON gives it back: compare like with like.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _first_day(month: dt.date) -> dt.date:
    return month.replace(day=1)


def _entry(r: MonthlyReport, kind: str, *, actor: User | None, **data: Any) -> ReportEvent:
    e = ReportEvent(report=r, kind=kind, actor=actor, at=timezone.now(), data=data)
    e.save()
    return e


def _month_label(r: MonthlyReport) -> str:
    return f"{r.month:%Y-%m}"


def report_build(
    *, estate_id: int, month: dt.date, actor: User | None = None
) -> MonthlyReport | None:
    """Build and store the estate's report of ``month``, once: a second call (a retry,
    two workers at once) stores nothing and returns None. The supervisors and the
    office director of the estate are told."""
    month = _first_day(month)
    if MonthlyReport.objects.filter(estate_id=estate_id, month=month).exists():
        return None  # the cheap answer; the unique constraint is the real one
    now = timezone.now()
    data = figures([estate_id], month, now)
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = MonthlyReport.objects.create(
                    estate_id=estate_id, month=month, data=data, built_at=now, built_by=actor
                )
        except IntegrityError:
            return None
        _entry(report, EventKind.BUILT, actor=actor)
        estate = Estate.objects.get(pk=estate_id)
        people = users_with_roles(
            roles=[Role.SUPERVISOR, Role.OFFICE_DIRECTOR], estate_ids=[estate_id]
        )
        notify(
            key=f"monthly_report:{report.pk}:built",
            subject=_("[%(estate)s] The monthly report of %(month)s is ready")
            % {"estate": estate.name, "month": _month_label(report)},
            body=_("Read the figures, write the analysis and submit it by the 30th."),
            link=reverse("reports:monthly", args=[report.pk]),
            recipients=people.with_roles(estate_id, Role.SUPERVISOR, Role.OFFICE_DIRECTOR),
            kind=Notification.Kind.OTHER,
        )
    return report


def _rows(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (s.get("key", ""), row.get("key", "")): {**row, "section": s.get("key", "")}
        for s in data.get("sections", [])
        for row in s.get("rows", [])
    }


def changed_rows(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows whose value differs between two builds (a row only in one: None on the
    other side), in the new build's order, then the rows that went away."""
    before, after = _rows(old), _rows(new)
    changes = []
    for key in [*after, *(k for k in before if k not in after)]:
        was, now = before.get(key, {}).get("value"), after.get(key, {}).get("value")
        if key in before and key in after and was == now:
            continue
        row = after.get(key) or before[key]
        changes.append(
            {
                "section": key[0],
                "key": key[1],
                "label": row.get("label", ""),
                "old": was,
                "new": now,
            }
        )
    return changes


def report_regenerate(*, actor: User, report_id: int) -> MonthlyReport:
    """Build the figures again on request; the log keeps which rows changed (old → new)
    and how many late items there were before and after."""
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().get(pk=report_id)
        report_can_regenerate.check(actor, report)
        now = timezone.now()
        data = figures([report.estate_id], report.month, now)
        changes = changed_rows(report.data, data)
        late = [len(report.data.get("late", [])), len(data.get("late", []))]
        report.data, report.built_at, report.built_by = data, now, actor
        report.save(update_fields=["data", "built_at", "built_by"])
        _entry(
            report,
            EventKind.REGENERATED,
            actor=actor,
            changes=changes,
            late=late,
        )
    return report


def _analysis(text: str) -> str:
    text = (text or "").strip()
    if len(text) > ANALYSIS_LIMIT:
        raise ReportError(
            _("At most %(limit)d characters, please (this is %(n)d).")
            % {"limit": ANALYSIS_LIMIT, "n": len(text)}
        )
    return text


def report_write_analysis(
    *, actor: User, report_id: int, analysis: str, submit: bool = False
) -> MonthlyReport:
    """The supervisor writes the analysis and improvement measures (分析与改进措施);
    with ``submit`` it goes to the office director, and no longer changes."""
    text = _analysis(analysis)
    with transaction.atomic():
        report = (
            MonthlyReport.objects.select_for_update().select_related("estate").get(pk=report_id)
        )
        if submit and report.is_submitted:
            return report  # submitted twice in one breath: the first stands
        report_can_write.check(actor, report)
        report.analysis = text
        fields = ["analysis"]
        if submit:
            if not text:
                raise ReportError(_("Write the analysis and improvement measures first."))
            report.submitted_at, report.submitted_by = timezone.now(), actor
            fields += ["submitted_at", "submitted_by"]
        report.save(update_fields=fields)
        if submit:
            _entry(report, EventKind.SUBMITTED, actor=actor)
            people = users_with_roles(roles=[Role.OFFICE_DIRECTOR], estate_ids=[report.estate_id])
            notify(
                key=f"monthly_report:{report.pk}:submitted",
                subject=_("[%(estate)s] The monthly report of %(month)s waits for your sign-off")
                % {"estate": report.estate.name, "month": _month_label(report)},
                link=reverse("reports:monthly", args=[report.pk]),
                recipients=people.with_roles(report.estate_id, Role.OFFICE_DIRECTOR),
                kind=Notification.Kind.OTHER,
            )
    return report


def report_sign(*, actor: User, report_id: int) -> MonthlyReport:
    """The office director signs the submitted report off (审核签字)."""
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().get(pk=report_id)
        if report.is_signed and report.signed_by_id == actor.pk:
            return report  # signed twice in one breath
        report_can_sign.check(actor, report)
        report.signed_at, report.signed_by = timezone.now(), actor
        report.save(update_fields=["signed_at", "signed_by"])
        _entry(report, EventKind.SIGNED, actor=actor)
    return report
