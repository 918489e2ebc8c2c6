"""The user of a request, with what every page asks of them, in one query.

Django's ModelBackend loads the user; then each page asked, one query each, for the
user's permissions, then their groups' permissions, the staff profile, its estate,
the inbox's unread count and whether the role may see residents' contact data: seven
queries before the view ran its own. ``DeskBackend``
loads the user with all of those at once. Logging in, permissions in the admin and
everything else stay ModelBackend's.

That query is compiled to SQL once a process (``_UserQuery``): building and compiling
it took the ORM about three times as long as PostgreSQL took to answer it, on every
request.
"""

from __future__ import annotations

import threading
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.query import get_related_populators

from .models import ContactRole, Notification

# The user id the query is compiled with, found again among its parameters and replaced
# by the real one. No user has it (ids are positive and well below it).
_PLACEHOLDER = -2_000_000_017


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


class _UserQuery:
    """``_user_query`` compiled once: its SQL, where the user id goes among the
    parameters, and how a row becomes the user with their profile (the compiler's own
    description of the columns, as the ORM uses it to build the objects)."""

    def __init__(self, using: str) -> None:
        qs = _user_query(_PLACEHOLDER)
        compiler = qs.query.get_compiler(using=using)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        if self.params.count(_PLACEHOLDER) != 1:
            raise LookupError("the user id is not one parameter of the compiled query")
        self.at = self.params.index(_PLACEHOLDER)
        self.using = using
        self.fetch_mode = qs._fetch_mode  # type: ignore[attr-defined]
        self.select = compiler.select
        self.klass_info = compiler.klass_info
        self.annotations = dict(compiler.annotation_col_map)
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        model_fields = self.klass_info["select_fields"]
        self.start, self.end = model_fields[0], model_fields[-1] + 1
        self.init_list = [f[0].target.attname for f in self.select[self.start : self.end]]
        self.model = self.klass_info["model"]

    def get(self, user_id: int) -> Any:
        params = list(self.params)
        params[self.at] = user_id
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:  # as SQLCompiler.apply_converters, with this thread's connection
            row = list(row)
            for at, (converters, expression) in self.converters.items():
                for convert in converters:
                    row[at] = convert(row[at], expression, connections[self.using])
        user = self.model.from_db(
            self.using, self.init_list, row[self.start : self.end], fetch_mode=self.fetch_mode
        )
        for populator in get_related_populators(
            self.klass_info, self.select, self.using, self.fetch_mode
        ):
            populator.populate(row, user)
        for name, at in self.annotations.items():
            setattr(user, name, row[at])
        return user


_compiled: dict[str, _UserQuery] = {}
_compiling = threading.Lock()


def _compiled_query(using: str) -> _UserQuery:
    query = _compiled.get(using)
    if query is None:
        with _compiling:
            query = _compiled.setdefault(using, _UserQuery(using))
    return query


class DeskBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            pk = user_model._meta.pk.to_python(user_id)
        except ValidationError:  # a session holding no id of ours
            return None
        using = user_model._default_manager.db
        user = _compiled_query(using).get(pk)
        if user is None or not self.user_can_authenticate(user):
            return None
        # A superuser holds every permission, not only those granted: staff.access asks
        # Django for the whole set the first time it is needed.
        if not user.is_superuser:
            user._capabilities = frozenset(user.loaded_capabilities)
        user._contact_role_may_reveal = bool(user.loaded_may_reveal)
        return user
