"""The user of a request, with what every page asks of them, in one query.

Django's ModelBackend loads the user; then each page asked, one query each, for the
user's permissions, then their groups' permissions, the staff profile, its estate,
the inbox's unread count and whether the role may see residents' contact data: seven
queries before the view ran its own. ``DeskBackend``
loads the user with all of those at once. Logging in, permissions in the admin and
everything else stay ModelBackend's.

That query is compiled to SQL once a process (``staff.prepared``): building and compiling
it took the ORM about three times as long as PostgreSQL took to answer it, on every
request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import ContactRole, Notification
from .prepared import Prepared


def _user_query(user_id: int) -> QuerySet:
    capabilities = (
        Permission.objects.filter(content_type__app_label="staff")
        .filter(Q(user=OuterRef("pk")) | Q(group__user=OuterRef("pk")))
        .values("codename")
        .distinct()
    )
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("thread", distinct=True))
        .values("n")
    )
    return (
        get_user_model()
        ._default_manager.select_related("staff_profile__estate", "staff_profile__department")
        .annotate(
            loaded_capabilities=ArraySubquery(capabilities),
            loaded_unread_lines=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            # staff.privacy.role_may_reveal, asked by every page showing a resident.
            loaded_may_reveal=Exists(
                ContactRole.objects.filter(role=OuterRef("staff_profile__role"), may_reveal=True)
            ),
        )
        .filter(pk=user_id)
    )


# Compiled once a process (staff.prepared), the user id its one value.
_compiled_user = Prepared(_user_query, int)


class DeskBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:  # a session holding no id of ours
            return None
        found = _compiled_user(pk)
        user = found[0] if found else None
        if user is None or not self.user_can_authenticate(user):
            return None
        # A superuser holds every permission, not only those granted: staff.access asks
        # Django for the whole set the first time it is needed.
        if not user.is_superuser:
            user._capabilities = frozenset(user.loaded_capabilities)
        user._contact_role_may_reveal = bool(user.loaded_may_reveal)
        return user
