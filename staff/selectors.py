"""Who works where: the people a case's alerts go to, loaded once for many cases."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import Q

from .models import Department, StaffProfile
from .prepared import Prepared
from .roles import Role


class Directory:
    """Users by (estate, role), the company-wide general managers, and department heads
    (the head named on the department first, then every department-head profile in
    it), for a set of estates and departments, in two queries."""

    def __init__(self) -> None:
        self._by_estate_role: dict[tuple[int, str], list[User]] = defaultdict(list)
        self._company_gms: list[User] = []
        self._heads: dict[int, list[User]] = defaultdict(list)

    @classmethod
    def load(
        cls, *, estate_ids: Iterable[int], department_ids: Iterable[int] = (), roles: Iterable[str]
    ) -> Directory:
        people = cls()
        estates, departments, roles = set(estate_ids), set(department_ids), set(roles)
        wanted = Q(role__in=roles - {Role.DEPARTMENT_HEAD}, estate_id__in=estates)
        if Role.GENERAL_MANAGER in roles:
            wanted |= Q(role=Role.GENERAL_MANAGER, estate__isnull=True)
        if departments:
            wanted |= Q(role=Role.DEPARTMENT_HEAD, department_id__in=departments)
        profiles = StaffProfile.objects.filter(wanted, user__is_active=True).select_related("user")
        for p in profiles:
            if p.role == Role.DEPARTMENT_HEAD:
                if p.department_id is not None:
                    people._heads[p.department_id].append(p.user)
            elif p.estate_id is None:
                people._company_gms.append(p.user)
            else:
                people._by_estate_role[(p.estate_id, p.role)].append(p.user)
        if departments:
            named = Department.objects.filter(pk__in=departments, head__isnull=False)
            for d in named.select_related("head"):
                if d.head is not None and d.head not in people._heads[d.pk]:
                    people._heads[d.pk].append(d.head)
        return people

    def with_roles(self, estate_id: int, *roles: str) -> list[User]:
        """Users with any of ``roles`` at the estate (a general manager: also the
        company-wide ones)."""
        users = [u for r in roles for u in self._by_estate_role[(estate_id, r)]]
        if Role.GENERAL_MANAGER in roles:
            users += self._company_gms
        return users

    def heads(self, department_id: int | None) -> list[User]:
        return list(self._heads[department_id]) if department_id else []


def users_with_roles(*, roles: Iterable[str], estate_ids: Iterable[int]) -> Directory:
    """Users with ``roles`` in the estates ``estate_ids``."""
    return Directory.load(estate_ids=estate_ids, roles=roles)


def department_heads(department_id: int | None) -> list[User]:
    """The head named on the department and every department-head profile in it (as
    ``Directory.heads``), by two statements compiled once (staff.prepared): asked at
    every routing."""
    if not department_id:
        return []
    heads = [p.user for p in _head_profiles(department_id)]
    for d in _named_head(department_id):
        if d.head is not None and d.head not in heads:
            heads.append(d.head)
    return heads


_head_profiles = Prepared(
    lambda d: StaffProfile.objects.filter(
        role=Role.DEPARTMENT_HEAD, department_id=d, user__is_active=True
    ).select_related("user"),
    int,
)
_named_head = Prepared(
    lambda d: Department.objects.filter(pk=d, head__isnull=False).select_related("head"), int
)


# Whether a department has a head (the admin's warning, the desk's routing screens).
from django.db.models import Exists, OuterRef, QuerySet  # noqa: E402

_HAS_HEAD = Q(head__isnull=False) | Exists(
    StaffProfile.objects.filter(
        department=OuterRef("pk"), role=Role.DEPARTMENT_HEAD, user__is_active=True
    )
)


def departments_with_head_flag(
    queryset: QuerySet[Department] | None = None,
) -> QuerySet[Department]:
    """Departments annotated with ``has_head``: a head is named on the department, or an
    active department-head profile works in it (the people ``department_heads`` alerts).
    Without one, a complaint routed there reaches nobody who can sign for it."""
    queryset = Department.objects.all() if queryset is None else queryset
    return queryset.annotate(has_head=_HAS_HEAD)


def department_has_head(department_id: int | None) -> bool:
    """Whether a complaint routed to this department reaches a head (see above)."""
    if not department_id:
        return False
    return bool(_with_head(department_id))


_with_head = Prepared(
    lambda d: Department.objects.filter(_HAS_HEAD, pk=d).values_list("pk")[:1], int
)


def departments_without_head() -> QuerySet[Department]:
    """Departments a routed complaint would reach nobody in (see above)."""
    return Department.objects.exclude(_HAS_HEAD)
