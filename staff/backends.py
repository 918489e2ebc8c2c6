"""The user of a request, with what every page asks of them, in one query.

Django's ModelBackend loads the user; then each page asked, one query each, for the
user's permissions, then their groups' permissions, the staff profile, its estate and
the inbox's unread count: six queries before the view ran its own. ``DeskBackend``
loads the user with all of those at once. Logging in, permissions in the admin and
everything else stay ModelBackend's.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from .models import Notification


class DeskBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
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
        try:
            user = (
                user_model._default_manager.select_related(
                    "staff_profile__estate", "staff_profile__department"
                )
                .annotate(
                    loaded_capabilities=ArraySubquery(capabilities),
                    loaded_unread_lines=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
                )
                .get(pk=user_id)
            )
        except user_model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        # A superuser holds every permission, not only those granted: staff.access asks
        # Django for the whole set the first time it is needed.
        if not user.is_superuser:
            user._capabilities = frozenset(user.loaded_capabilities)  # type: ignore[attr-defined]
        return user
