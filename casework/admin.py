"""The rule book on one admin page: every clock of every kind of case, with where the
seeds say so. Rows are created from the domain apps' registered rules; managers change
the numbers, never the keys."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import ClockRule
from .rules import specs


class ReadOnlyInline(admin.TabularInline):
    """A case's rows shown on its admin page and never changed there (its log, its
    lines): changes go through the services so that each is in the case's log."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ClockRule)
class ClockRuleAdmin(admin.ModelAdmin):
    """Changes apply to cases received (or whose clocks restart) after them."""

    list_display = ["label", "amount", "unit", "remind_at_percent", "source", "key"]
    list_editable = ["amount", "unit", "remind_at_percent"]
    list_display_links = ["label"]
    readonly_fields = ["key", "label", "source"]
    fields = ["key", "label", "amount", "unit", "remind_at_percent", "source"]
    search_fields = ["key"]

    @admin.display(description=_("clock"))
    def label(self, obj: ClockRule) -> str:
        spec = specs().get(obj.key)
        return str(spec.label) if spec else obj.key

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ClockRule | None = None) -> bool:
        return False
