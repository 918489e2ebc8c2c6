"""The shift roster (排班表): who may change it, and its two writes."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.access import profile_of
from staff.models import Estate
from staff.roles import Role
from staff.templatetags.staff_tags import person

from ..models import Shift
from .base import NotAllowed, RepairError
from .permissions import is_engineering_head


def rostered_staff(estate: Estate) -> QuerySet[User]:
    """Who may be on the roster: the estate's active technicians and duty officers."""
    return (
        User.objects.filter(
            is_active=True,
            staff_profile__estate=estate,
            staff_profile__role__in=[Role.TECHNICIAN, Role.DUTY_OFFICER],
        )
        .select_related("staff_profile")
        .order_by("staff_profile__role", "last_name", "first_name", "pk")
    )


def edits_roster(user, estate_id: int) -> bool:
    """The estate's engineering head and customer-service supervisors (and a superuser)
    edit the roster; the rest of the desk and the managers only read it."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    profile = profile_of(user)
    if profile is None or profile.estate_id != estate_id:
        return False
    return profile.role == Role.SUPERVISOR or is_engineering_head(user, estate_id)


# The two writes of the roster. The row lock on the person serializes two shifts added
# for them at once, so the overlap check cannot be raced.


@transaction.atomic
def shift_add(
    *, actor: User, estate: Estate, user: User, starts_at: dt.datetime, ends_at: dt.datetime
) -> Shift:
    if not edits_roster(actor, estate.pk):
        raise NotAllowed(_("Only the engineering head or a supervisor may change the roster."))
    if not rostered_staff(estate).filter(pk=user.pk).exists():
        raise RepairError(_("Choose a technician or duty officer of this estate."))
    if ends_at <= starts_at:
        raise RepairError(_("'Until' must be after 'from'."))
    if ends_at <= timezone.now():
        raise RepairError(_("This shift is over already: give a later time."))
    User.objects.select_for_update().filter(pk=user.pk).first()
    clash = (
        Shift.objects.filter(user=user, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        start, end = timezone.localtime(clash.starts_at), timezone.localtime(clash.ends_at)
        raise RepairError(
            _(
                "%(who)s is on duty already from %(from)s until %(until)s: one person's "
                "shifts may not overlap."
            )
            % {
                "who": person(user),
                "from": f"{start:%m-%d %H:%M}",
                "until": f"{end:%m-%d %H:%M}",
            }
        )
    return Shift.objects.create(estate=estate, user=user, starts_at=starts_at, ends_at=ends_at)


@transaction.atomic
def shift_remove(*, actor: User, shift_id: int) -> Shift:
    shift = Shift.objects.select_for_update().filter(pk=shift_id).first()
    if shift is None:
        raise RepairError(_("This shift was deleted already."))
    if not edits_roster(actor, shift.estate_id):
        raise NotAllowed(_("Only the engineering head or a supervisor may change the roster."))
    if shift.starts_at <= timezone.now():
        raise RepairError(_("Only a shift that has not started yet can be deleted."))
    shift.delete()
    return shift
