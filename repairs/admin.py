"""Repair orders are read-only in the admin: changes go through the services so that
every change is in the order's log. Nobody edits or deletes the log."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from casework.admin import ReadOnlyInline
from staff.templatetags.staff_tags import person_with_username

from .models import FeeLine, Photo, RepairOrder, RepairOrderEvent, Shift
from .templatetags.repairs_tags import repair_event_detail

PEOPLE = {"reported_by", "technician"}


@admin.display(description=gettext_lazy("details"))
def _details(_admin: object, obj: RepairOrderEvent) -> str:
    """What the event's data say, as the order's page says it."""
    return repair_event_detail(obj)


class EventInline(ReadOnlyInline):
    model = RepairOrderEvent
    fields = readonly_fields = ("at", "kind", "actor_name", "note", "details")
    ordering = ["at", "id"]
    details = _details

    @admin.display(description=gettext_lazy("by"))
    def actor_name(self, obj: RepairOrderEvent) -> str:
        return person_with_username(obj.actor) or "—"


class FeeLineInline(ReadOnlyInline):
    model = FeeLine
    fields = readonly_fields = ("kind", "item", "unit_price", "quantity", "amount")


class PhotoInline(ReadOnlyInline):
    model = Photo
    fields = readonly_fields = ("stage", "width", "height", "at")


@admin.register(RepairOrder)
class RepairOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "estate", "reported_at", "status", "urgency", "technician_name"]
    list_filter = ["estate", "status", "urgency", "kind", "fault", "root_cause_flag"]
    search_fields = ["number", "resident_phone", "resident_name", "unit__room"]
    list_select_related = ["estate", "technician"]
    date_hierarchy = "reported_at"
    show_full_result_count = False
    inlines = [FeeLineInline, PhotoInline, EventInline]

    @admin.display(description=gettext_lazy("technician"))
    def technician_name(self, obj: RepairOrder) -> str:
        return person_with_username(obj.technician) or "—"

    @admin.display(description=gettext_lazy("recorded by"))
    def reported_by_name(self, obj: RepairOrder) -> str:
        return person_with_username(obj.reported_by) or "—"

    def get_readonly_fields(self, request, obj=None):
        # The drawn signature is an image: seen on the order's page, not as bytes here.
        return [
            f"{f.name}_name" if f.name in PEOPLE else f.name
            for f in self.model._meta.fields
            if f.name != "signature"
        ]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RepairOrderEvent)
class RepairOrderEventAdmin(admin.ModelAdmin):
    list_display = ["order", "kind", "at", "actor_name"]
    list_filter = ["kind"]
    search_fields = ["order__number"]
    list_select_related = ["order", "actor"]
    show_full_result_count = False
    fields = readonly_fields = ("order", "kind", "at", "actor_name", "note", "details")
    details = _details

    @admin.display(description=gettext_lazy("by"))
    def actor_name(self, obj: RepairOrderEvent) -> str:
        return person_with_username(obj.actor) or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    """The shift roster (排班表); the engineering head keeps it on the roster page too."""

    list_display = ["user", "estate", "starts_at", "ends_at"]
    list_filter = ["estate"]
    list_select_related = ["user", "estate"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["user"]
