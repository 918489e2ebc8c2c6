"""Monthly reports are read-only in the admin: they change through the services, so
that every change is in the report's log. Nobody edits or deletes the log."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from casework.admin import ReadOnlyInline
from staff.templatetags.staff_tags import person_with_username

from .models import MonthlyReport, ReportEvent


class ReportEventInline(ReadOnlyInline):
    model = ReportEvent
    # What changed on a rebuild is listed on the report's page, in the product's words.
    fields = readonly_fields = ("at", "kind", "actor_name", "note")
    ordering = ["at", "id"]

    @admin.display(description=gettext_lazy("by"))
    def actor_name(self, obj: ReportEvent) -> str:
        return person_with_username(obj.actor) or "—"


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ["month", "estate", "built_at", "submitted_at", "signed_at"]
    list_filter = ["estate", "month"]
    list_select_related = ["estate"]
    date_hierarchy = "month"
    show_full_result_count = False
    inlines = [ReportEventInline]
    fields = readonly_fields = (
        "estate",
        "month",
        "built_at",
        "built_by",
        "analysis",
        "submitted_at",
        "submitted_by",
        "signed_at",
        "signed_by",
        "figures",
    )

    @admin.display(description=gettext_lazy("figures"))
    def figures(self, obj: MonthlyReport) -> str:
        """The stored figures are read on the report's page, not as JSON here."""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("reports:monthly", args=[obj.pk]),
            gettext("Open the report"),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
