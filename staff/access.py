"""Who may open what: the one place views ask.

Every view of the product is wrapped in ``capability_required``; a logged-in user
without the capability gets 403 (anonymous users were already sent to the login
page by ``LoginRequiredMiddleware``).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Estate, StaffProfile
from .roles import USE_INTAKE_DESK, VIEW_ALL_ESTATES


class AuthenticatedHttpRequest(HttpRequest):
    """A request past LoginRequiredMiddleware: its user is a real user."""

    user: User


def has_capability(user: User | AnonymousUser, capability: str) -> bool:
    """Whether the user's groups (or superuser status) grant ``capability``. The set is
    read once per user object, as Django caches permissions: lists ask it per row."""
    if not user.is_authenticated:
        return False
    capabilities: frozenset[str] | None = getattr(user, "_capabilities", None)
    if capabilities is None:
        capabilities = frozenset(
            p.removeprefix("staff.") for p in user.get_all_permissions() if p.startswith("staff.")
        )
        user._capabilities = capabilities  # type: ignore[attr-defined]
    return capability in capabilities


def capability_required(*capabilities: str):
    """The view is for users with any of ``capabilities``; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not any(has_capability(request.user, c) for c in capabilities):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def profile_of(user) -> StaffProfile | None:
    if not user.is_authenticated:
        return None
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return None


def estates_for(user) -> QuerySet[Estate]:
    """The estates whose work the user may see."""
    if user.is_superuser or has_capability(user, VIEW_ALL_ESTATES):
        return Estate.objects.all()
    profile = profile_of(user)
    if profile is None or profile.estate_id is None:
        return Estate.objects.none()
    return Estate.objects.filter(pk=profile.estate_id)


def sees_several_estates(user) -> bool:
    """Whether the user's work spans more than one estate (lists then name each row's):
    counted only for the company-wide roles, everyone else has one at most."""
    if user.is_superuser or has_capability(user, VIEW_ALL_ESTATES):
        return Estate.objects.count() > 1
    return False


def works_at(user: User | AnonymousUser, estate_id: int) -> bool:
    """Whether the user's work is at the estate (a company-wide role: every estate)."""
    if user.is_superuser or has_capability(user, VIEW_ALL_ESTATES):
        return True
    profile = profile_of(user)
    return profile is not None and profile.estate_id == estate_id


def is_desk(user: User | AnonymousUser, estate_id: int) -> bool:
    """The service desk of the estate: a clerk, duty officer or supervisor there."""
    return has_capability(user, USE_INTAKE_DESK) and works_at(user, estate_id)
