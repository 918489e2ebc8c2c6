"""Complaints are read-mostly in the admin: changes go through the desk's services so
that every change is in the handling log. Nobody edits or deletes the log."""

from django.contrib import admin

from .models import Complaint, ComplaintEvent, Extension


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = ComplaintEvent
    fields = readonly_fields = ("at", "kind", "actor", "note", "data")
    ordering = ["at", "id"]


class ExtensionInline(ReadOnlyInline):
    model = Extension
    fields = readonly_fields = (
        "requested_at",
        "requested_by",
        "reason",
        "interim_measure",
        "new_deadline",
        "approver_role",
        "decision",
        "decided_by",
        "decided_at",
    )


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "estate",
        "received_at",
        "grade",
        "category",
        "status",
        "department",
        "next_due",
    ]
    list_filter = ["estate", "status", "grade", "category", "channel", "in_scope"]
    search_fields = ["number", "resident_phone", "resident_name", "unit__room"]
    list_select_related = ["estate", "department"]
    date_hierarchy = "received_at"
    show_full_result_count = False  # no COUNT(*) over a million rows
    inlines = [EventInline, ExtensionInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(admin.ModelAdmin):
    list_display = ["complaint", "kind", "at", "actor"]
    list_filter = ["kind"]
    search_fields = ["complaint__number"]
    list_select_related = ["complaint", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
