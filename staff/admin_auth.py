"""Users, groups and permissions in the admin's language.

Django stores permission names in English ("Can add complaint", and our capabilities'
names), and our groups are named by role code (department_head): the admin shows them
as words — the action and the model's translated name, the capability's translation,
the role's label — wherever a manager picks or reads them.
"""

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import ManyToManyField
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .roles import Role

DEFAULT_ACTIONS = {
    "add": gettext_lazy("Can add %(model)s"),
    "change": gettext_lazy("Can change %(model)s"),
    "delete": gettext_lazy("Can delete %(model)s"),
    "view": gettext_lazy("Can view %(model)s"),
}


def permission_label(perm: Permission) -> str:
    """'投诉 | 可添加 投诉' rather than 'complaints | complaint | Can add complaint'."""
    ct = perm.content_type
    model = ct.model_class()
    action = perm.codename.split("_", 1)[0]
    if model is not None and action in DEFAULT_ACTIONS and perm.codename == f"{action}_{ct.model}":
        name = DEFAULT_ACTIONS[action] % {"model": model._meta.verbose_name}
    else:
        name = _(perm.name)  # our capabilities' names are in the catalog (staff.roles)
    try:
        app = apps.get_app_config(ct.app_label).verbose_name
    except LookupError:
        app = ct.app_label
    return f"{app} | {name}"


def group_label(group: Group) -> str:
    return str(Role(group.name).label) if group.name in Role.values else group.name


class PermissionChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return permission_label(obj)


class GroupChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return group_label(obj)


class TranslatedAuthChoices(admin.ModelAdmin):
    """For the user and group admins: permissions and groups picked by their words."""

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest | None = None, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoices
            kwargs.setdefault("queryset", Permission.objects.select_related("content_type"))
        elif db_field.name == "groups":
            kwargs["form_class"] = GroupChoices
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[arg-type]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TranslatedAuthChoices, BaseGroupAdmin):
    list_display = ["label"]

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))  # noqa: S308 - Django's own markup
    def action_checkbox(self, obj: Group) -> SafeString:
        """The row's checkbox, labelled with the role rather than its code."""
        attrs = {
            "class": "action-select",
            "aria-label": format_html(_("Select this object for an action - {}"), group_label(obj)),
        }
        return mark_safe(  # noqa: S308 - rendered by the widget, which escapes
            forms.CheckboxInput(attrs, lambda value: False).render(
                helpers.ACTION_CHECKBOX_NAME, str(obj.pk)
            )
        )

    @admin.display(description=gettext_lazy("role"), ordering="name")
    def label(self, obj: Group) -> str:
        return group_label(obj)
