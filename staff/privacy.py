"""Residents' contact data (PIPL: the minimum necessary, a purpose, a record of access).

One way to show it, used by every template, print and export: masked by default (phone
138****5678, name 王*). Where a role and the case need it (``may_reveal``), one click
reveals it, and every reveal is recorded (``ContactReveal``: who, when, which case,
which field, how): on screen, a tap to call, a printed form that carries the phone by
design. Which roles may reveal at all is set by managers in the admin
(``ContactRole``); the case decides the rest (the desk of the estate; the head of the
department a complaint is routed to, while it is open; the technician an order is
assigned to, while it is open), declared by each kind of case with ``register``.

Contact data of cases closed longer than ``CONTACT_RETENTION_DAYS`` (3 years by default)
is masked in the database by a beat job (``mask_old_contacts``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Left, Length, Repeat, Right
from django.utils import timezone

from .access import profile_of

NAME = "name"
PHONE = "phone"
FIELDS = (NAME, PHONE)


def mask_phone(phone: str) -> str:
    """138****5678: the first three and the last four digits of a long number."""
    phone = (phone or "").strip()
    if not phone or "*" in phone:
        return phone
    if len(phone) >= 8:
        return f"{phone[:3]}****{phone[-4:]}"
    return f"{phone[:1]}{'*' * (len(phone) - 1)}"


def mask_name(name: str) -> str:
    """王*: the first character (the family name, mostly) and a star for each other."""
    name = (name or "").strip()
    if not name or "*" in name:
        return name
    return f"{name[:1]}{'*' * (len(name) - 1)}"


@dataclass(frozen=True)
class ContactCase:
    """How a kind of case keeps and shows contact data."""

    key: str  # as stored in ContactReveal.case_type
    model: type[models.Model]
    # The cases the user may open (their list's scoping): a reveal is never wider.
    visible: Callable[[Any], models.QuerySet]
    # The case's own rule, after the role: whether this user needs it for this case.
    needs: Callable[[Any, Any], bool]
    # The moment the case was closed, for retention; and the filter of closed cases.
    closed_at: str
    closed: Q
    label: Any = ""  # the kind of case, as people say it (lazy translation)
    name_field: str = "resident_name"
    phone_field: str = "resident_phone"


_CASES: dict[str, ContactCase] = {}


def register(case: ContactCase) -> None:
    _CASES[case.key] = case


def case_of(obj: Any) -> ContactCase | None:
    for case in _CASES.values():
        if isinstance(obj, case.model):
            return case
    return None


def registered() -> list[ContactCase]:
    return list(_CASES.values())


def get(key: str) -> ContactCase | None:
    return _CASES.get(key)


def role_may_reveal(user) -> bool:
    """Whether the user's role is one managers let see contact data: loaded with the
    request's user (staff.backends), else asked once per user object (a list of cases
    asks it for every row)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_contact_role_may_reveal", None)
    if cached is None:
        from .models import ContactRole

        profile = profile_of(user)
        cached = (
            profile is not None
            and ContactRole.objects.filter(role=profile.role, may_reveal=True).exists()
        )
        user._contact_role_may_reveal = cached
    return cached


def may_reveal(user, obj: Any) -> bool:
    case = case_of(obj)
    return case is not None and role_may_reveal(user) and case.needs(user, obj)


def masked(obj: Any) -> dict[str, str]:
    case = case_of(obj)
    if case is None:
        return {NAME: "", PHONE: ""}
    return {
        NAME: mask_name(getattr(obj, case.name_field, "")),
        PHONE: mask_phone(getattr(obj, case.phone_field, "")),
    }


def full(obj: Any) -> dict[str, str]:
    case = case_of(obj)
    if case is None:
        return {NAME: "", PHONE: ""}
    return {NAME: getattr(obj, case.name_field, ""), PHONE: getattr(obj, case.phone_field, "")}


def record(user, obj: Any, how: str, fields: tuple[str, ...] = FIELDS) -> None:
    """A reveal of ``fields`` of the case, as ``how`` (ContactReveal.How)."""
    from .models import ContactReveal

    case = case_of(obj)
    if case is None:
        return
    values = full(obj)
    now = timezone.now()
    ContactReveal.objects.bulk_create(
        [
            ContactReveal(
                at=now,
                user=user,
                case_type=case.key,
                case_id=obj.pk,
                case_number=str(getattr(obj, "number", obj.pk))[:30],
                field=f,
                how=how,
            )
            for f in fields
            if values.get(f)
        ]
    )


# --- retention ------------------------------------------------------------------------------


def retention_days() -> int:
    return int(getattr(settings, "CONTACT_RETENTION_DAYS", 3 * 365))


def mask_old_contacts(now: dt.datetime | None = None) -> dict[str, int]:
    """Mask, in the database, the contact data of every case closed before the retention
    period: one UPDATE per kind of case, each in its own transaction; a case already
    masked is not touched again (running twice changes nothing)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=retention_days())
    done = {}
    for case in registered():
        name, phone = case.name_field, case.phone_field
        stale = case.model._default_manager.filter(case.closed).filter(
            **{f"{case.closed_at}__lt": cutoff}
        )
        with transaction.atomic():
            long_phone = Q(**{f"{phone}__regex": r"^.{8,}$"})
            n = (
                stale.filter(long_phone)
                .exclude(**{f"{phone}__contains": "*"})
                .update(
                    **{
                        phone: Concat(
                            Left(phone, 3),
                            Value("****"),
                            Right(phone, 4),
                            output_field=models.CharField(),
                        )
                    }
                )
            )
            short = (
                stale.exclude(long_phone)
                .exclude(**{phone: ""})
                .exclude(**{f"{phone}__contains": "*"})
            )
            n += short.update(
                **{
                    phone: Concat(
                        Left(phone, 1),
                        Repeat(Value("*"), Length(phone) - 1),
                        output_field=models.CharField(),
                    )
                }
            )
            m = (
                stale.exclude(**{name: ""})
                .exclude(**{f"{name}__contains": "*"})
                .update(
                    **{
                        name: Concat(
                            Left(name, 1),
                            Repeat(Value("*"), Length(name) - 1),
                            output_field=models.CharField(),
                        )
                    }
                )
            )
        done[case.key] = max(n, m)
    return done


def for_print(user, obj: Any) -> dict[str, str]:
    """The contact data a printed form carries (《住户投诉意见表》, 《维修服务通知单》):
    in full, recorded as a reveal, for a user who needs it; masked for anyone else."""
    if may_reveal(user, obj):
        record(user, obj, how="print")
        return full(obj)
    return masked(obj)
