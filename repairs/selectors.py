"""Reads of repair orders. ``orders_for`` is the one scoping query: whatever lists or
opens an order is built on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from staff.access import has_capability, profile_of
from staff.roles import VIEW_ALL_ESTATES, Role

from .models import RepairOrder, Status

ALL, NONE, ESTATE, TECHNICIAN = "all", "none", "estate", "technician"


@dataclass(frozen=True)
class Reach:
    """Which orders a user may see, as data: ``kind`` fixes the shape of the query, the
    ids fill it in (so a page may compile its query once for each kind)."""

    kind: str  # one of ALL, NONE, ESTATE, TECHNICIAN
    estate_id: int = 0
    user_id: int = 0
    department_id: int | None = None


def reach_of(user) -> Reach:
    """A technician: his orders and those of his estate open to take; the desk, heads and
    managers of an estate: the estate's; the general manager: all."""
    if user.is_superuser or has_capability(user, VIEW_ALL_ESTATES):
        return Reach(ALL)
    profile = profile_of(user)
    if profile is None or profile.estate_id is None:
        return Reach(NONE)
    if profile.role == Role.TECHNICIAN:
        return Reach(TECHNICIAN, profile.estate_id, user.pk, profile.department_id)
    return Reach(ESTATE, profile.estate_id)


def reached(reach: Reach) -> QuerySet[RepairOrder]:
    # The drawn signature is read only where it is shown (its own URL).
    qs = RepairOrder.objects.defer("signature")
    if reach.kind == ALL:
        return qs
    if reach.kind == NONE:
        return qs.none()
    qs = qs.filter(estate_id=reach.estate_id)
    if reach.kind == TECHNICIAN:
        open_to_take = Q(
            technician__isnull=True,
            published=True,
            status=Status.DISPATCHED,
            department_id=reach.department_id,
        )
        return qs.filter(Q(technician_id=reach.user_id) | open_to_take)
    return qs


def orders_for(user) -> QuerySet[RepairOrder]:
    return reached(reach_of(user))


def reach_shape(reach: Reach) -> tuple[str, bool]:
    """What the reach's query shape depends on: its kind, and whether a technician has a
    department (none is an IS NULL, not a value)."""
    return reach.kind, reach.department_id is None


def reach_values(reach: Reach) -> tuple[int, ...]:
    """The ids the reach's query is filled in with, in ``reach_rebuilt``'s order."""
    if reach.kind == ESTATE:
        return (reach.estate_id,)
    if reach.kind == TECHNICIAN:
        dept = () if reach.department_id is None else (reach.department_id,)
        return (reach.estate_id, reach.user_id, *dept)
    return ()


def reach_kinds(shape: tuple[str, bool]) -> tuple[type, ...]:
    """The types of a reach's values (``reach_values``), from its shape alone."""
    kind, no_department = shape
    return (int,) * {ESTATE: 1, TECHNICIAN: 2 if no_department else 3}.get(kind, 0)


def reach_rebuilt(shape: tuple[str, bool], values: Sequence[int]) -> Reach:
    """The reach of ``shape`` from its values (the first ``len(reach_kinds(shape))``)."""
    kind, no_department = shape
    if kind == ESTATE:
        return Reach(kind, values[0])
    if kind == TECHNICIAN:
        return Reach(kind, values[0], values[1], None if no_department else values[2])
    return Reach(kind)
