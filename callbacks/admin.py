"""Callbacks and public letters are read-only in the admin: they are recorded at the
desk, through the services, so each is in its log."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from casework.admin import ReadOnlyInline
from staff.admin import ReadOnlyAdmin
from staff.templatetags.staff_tags import person_with_username

from .models import Callback, CallbackEvent, PublicLetter


class EventInline(ReadOnlyInline):
    model = CallbackEvent
    fields = readonly_fields = ("at", "kind", "actor_name", "note")
    ordering = ["at", "id"]

    @admin.display(description=gettext_lazy("by"))
    def actor_name(self, obj: CallbackEvent) -> str:
        return person_with_username(obj.actor) or "—"


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "estate", "kind", "status", "callback_due", "satisfaction"]
    list_filter = ["estate", "kind", "status", "method", "satisfaction"]
    list_select_related = ["estate", "complaint", "repair_order"]
    search_fields = ["complaint__number", "repair_order__number"]
    date_hierarchy = "opened_at"
    show_full_result_count = False
    inlines = [EventInline]
    exclude = ["signature"]
    readonly_fields = [
        "estate",
        "kind",
        "complaint",
        "repair_order",
        "department",
        "opened_at",
        "week_of",
        "callback_due",
        "status",
        "tries",
        "last_tried_at",
        "method",
        "satisfaction",
        "attitude",
        "speed",
        "quality",
        "words",
        "done_at",
        "done_by",
        "letter",
    ]


@admin.register(PublicLetter)
class PublicLetterAdmin(ReadOnlyAdmin):
    list_display = ["title", "estate", "written_at", "written_by"]
    list_filter = ["estate"]
    list_select_related = ["estate", "written_by"]
    readonly_fields = ["estate", "title", "body", "written_by", "written_at"]
