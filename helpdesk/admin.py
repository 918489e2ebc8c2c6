"""Inquiries, help requests and the duty log are read-only in the admin: they are written
at the desk, through the services, so each is in its log."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from casework.admin import ReadOnlyInline
from staff.admin import ReadOnlyAdmin
from staff.templatetags.staff_tags import person_with_username

from .models import DutyEntry, DutyShift, Handover, Request, RequestEvent


class EventInline(ReadOnlyInline):
    model = RequestEvent
    fields = readonly_fields = ("at", "kind", "actor_name", "note")
    ordering = ["at", "id"]

    @admin.display(description=gettext_lazy("by"))
    def actor_name(self, obj: RequestEvent) -> str:
        return person_with_username(obj.actor) or "—"


@admin.register(Request)
class RequestAdmin(ReadOnlyAdmin):
    list_display = ["number", "estate", "kind", "status", "received_at", "answer_due"]
    list_filter = ["estate", "kind", "status", "channel", "confidential"]
    list_select_related = ["estate"]
    search_fields = ["number"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    inlines = [EventInline]
    fields = readonly_fields = (
        "number",
        "estate",
        "kind",
        "incident",
        "channel",
        "unit",
        "location",
        "question",
        "confidential",
        "received_at",
        "received_by",
        "first_report",
        "alerted_at",
        "referred_at",
        "referred_to",
        "answer_due",
        "answered_at",
        "answered_by",
        "answer",
        "status",
    )


class DutyEntryInline(ReadOnlyInline):
    model = DutyEntry
    fields = readonly_fields = ("at", "note")
    ordering = ["at", "id"]


@admin.register(DutyShift)
class DutyShiftAdmin(ReadOnlyAdmin):
    list_display = ["estate", "holder", "started_at", "ended_at"]
    list_filter = ["estate"]
    list_select_related = ["estate", "holder"]
    fields = readonly_fields = ("estate", "holder", "started_at", "ended_at")
    inlines = [DutyEntryInline]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["estate", "by", "to", "written_at", "confirmed_at"]
    list_filter = ["estate"]
    list_select_related = ["estate", "by", "to"]
    fields = readonly_fields = (
        "estate",
        "by",
        "to",
        "written_at",
        "watch",
        "open_items",
        "confirmed_at",
    )

    @admin.display(description=gettext_lazy("open items"))
    def open_items(self, obj: Handover):
        return (
            format_html_join(
                mark_safe("<br>"),  # noqa: S308 - a constant
                "{} {} · {} · {}",
                (
                    tuple(i.get(k, "") for k in ("type_label", "number", "what", "owner"))
                    for i in obj.items
                ),
            )
            or "—"
        )
