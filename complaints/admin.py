"""Complaints are read-mostly in the admin: changes go through the desk's services so
that every change is in the handling log. Nobody edits or deletes the log.

People appear as 王小丽 (clerk) (``person_with_username``), role codes and the log's
details as their Chinese labels, and the list fits a 1280 px screen: short columns
(estate code, status and grade in one, compact times) that static/css/admin.css keeps
on one line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.admin import ReadOnlyInline
from staff.roles import Role
from staff.templatetags.staff_tags import person_with_username

from .clocks import CLOCK_LABELS
from .forms.actions import INFORM_METHODS
from .models import Channel, Closure, Complaint, ComplaintEvent, Extension, Grade

# Users and role codes on the complaint's own form: shown by name and label, not as the
# username or the stored code.
PEOPLE = ["received_by"]
ROLES = ["escalated_to"]


def _moment(value: dt.datetime | None) -> str:
    """A time in a list column: 12-01 10:40 this year, 2025-12-01 10:40 before."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    same_year = local.year == timezone.localdate().year
    return date_format(local, "m-d H:i" if same_year else "Y-m-d H:i")


# Column factories: each returns a function used as a method of a ModelAdmin or inline.
def _person(path: str, description: Any) -> Any:
    @admin.display(description=description)
    def column(_admin: object, obj: models.Model) -> str:
        return person_with_username(getattr(obj, path)) or "—"

    return column


def _role(path: str, description: Any) -> Any:
    @admin.display(description=description)
    def column(_admin: object, obj: models.Model) -> str:
        code = getattr(obj, path)
        return str(Role(code).label) if code in Role.values else (code or "—")

    return column


# --- the handling log's details, as words ------------------------------------------------

# Stored values that are codes, with the labels people read.
_VALUE_LABELS: dict[str, Any] = {
    **dict(Channel.choices),
    **dict(Grade.choices),
    **dict(Closure.choices),
    **dict(Role.choices),
    **dict(INFORM_METHODS),
    **CLOCK_LABELS,
}
_KEY_LABELS: dict[str, Any] = {
    "channel": gettext_lazy("channel"),
    "repeat_of": gettext_lazy("repeat of"),
    "grade": gettext_lazy("grade"),
    "department": gettext_lazy("department"),
    "previous": gettext_lazy("before"),
    "closure": gettext_lazy("closure"),
    "method": gettext_lazy("how the resident was told"),
    "to": gettext_lazy("escalated to"),
    "escalated": gettext_lazy("escalated"),
    "automatic": gettext_lazy("by the system"),
    "interim_measure": gettext_lazy("interim measure"),
    "new_deadline": gettext_lazy("new deadline"),
    "approver": gettext_lazy("to be approved by"),
    "clock": gettext_lazy("clock"),
    "due": gettext_lazy("deadline"),
}


def _detail_value(value: object) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        if value in _VALUE_LABELS:
            return str(_VALUE_LABELS[value])
        moment = parse_datetime(value) if "T" in value else None
        if moment is not None:
            return date_format(timezone.localtime(moment), "Y-m-d H:i")
    return str(value)


def event_details(data: dict[str, object]) -> str:
    """``{"grade": "important", "previous": "minor"}`` → 级别：重要；调整前：轻微. Ids and
    empty values are left out; an unknown key is shown as stored."""
    parts = [
        f"{_KEY_LABELS.get(key, key)}：{_detail_value(value)}"
        for key, value in data.items()
        if value not in (None, "") and not key.endswith("_id")
    ]
    return "；".join(parts)


@admin.display(description=gettext_lazy("details"))
def _details(_admin: object, obj: ComplaintEvent) -> str:
    return event_details(obj.data or {})


# --- inlines -----------------------------------------------------------------------------


class EventInline(ReadOnlyInline):
    model = ComplaintEvent
    fields = readonly_fields = ("at", "kind", "actor_name", "note", "details")
    ordering = ["at", "id"]

    actor_name = _person("actor", gettext_lazy("by"))

    details = _details


class ExtensionInline(ReadOnlyInline):
    model = Extension
    fields = readonly_fields = (
        "requested_at",
        "requested_by_name",
        "reason",
        "interim_measure",
        "new_deadline",
        "approver",
        "decision",
        "decided_by_name",
        "decided_at",
    )

    requested_by_name = _person("requested_by", gettext_lazy("requested by"))
    decided_by_name = _person("decided_by", gettext_lazy("decided by"))
    approver = _role("approver_role", gettext_lazy("to be approved by"))


# --- complaints ----------------------------------------------------------------------------


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "estate_code",
        "received",
        "state",
        "category_short",
        "department_name",
        "due",
    ]
    list_filter = ["estate", "status", "grade", "category", "channel", "in_scope"]
    search_fields = ["number", "resident_phone", "resident_name", "unit__room"]
    list_select_related = ["estate", "department"]
    date_hierarchy = "received_at"
    show_full_result_count = False  # no COUNT(*) over a million rows
    inlines = [EventInline, ExtensionInline]

    received_by_name = _person("received_by", gettext_lazy("received by"))
    escalated_to_label = _role("escalated_to", gettext_lazy("escalated to"))

    @admin.display(description=gettext_lazy("estate"), ordering="estate__code")
    def estate_code(self, obj: Complaint) -> str:
        return obj.estate.code

    @admin.display(description=gettext_lazy("received at"), ordering="received_at")
    def received(self, obj: Complaint) -> str:
        return _moment(obj.received_at)

    @admin.display(description=gettext_lazy("status · grade"), ordering="status")
    def state(self, obj: Complaint) -> str:
        return f"{_short(obj.get_status_display())} · {_short(obj.get_grade_display())}"

    @admin.display(description=gettext_lazy("category"), ordering="category")
    def category_short(self, obj: Complaint) -> str:
        return _short(obj.get_category_display())

    @admin.display(description=gettext_lazy("department"), ordering="department__name")
    def department_name(self, obj: Complaint) -> str:
        return obj.department.name if obj.department else "—"

    @admin.display(description=gettext_lazy("next deadline"), ordering="next_due")
    def due(self, obj: Complaint) -> str:
        return _moment(obj.next_due)

    def get_readonly_fields(self, request, obj=None):
        # The search column is for the index only, not for people.
        return [self._shown(f.name) for f in self.model._meta.fields if f.name != "search_bigrams"]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @staticmethod
    def _shown(name: str) -> str:
        if name in PEOPLE:
            return f"{name}_name"
        if name in ROLES:
            return f"{name}_label"
        return name

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _short(label: str) -> str:
    """A bilingual label without its gloss where the list needs the room: 'Major (重大)'
    → Major (the Chinese labels have none: 重大)."""
    if label.endswith(")") and " (" in label:
        return label[: label.rindex(" (")]
    return label


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(admin.ModelAdmin):
    list_display = ["complaint", "kind", "at", "actor_name"]
    list_filter = ["kind"]
    search_fields = ["complaint__number"]
    list_select_related = ["complaint", "actor"]
    show_full_result_count = False

    fields = readonly_fields = ("complaint", "kind", "at", "actor_name", "note", "details")

    actor_name = _person("actor", gettext_lazy("by"))
    details = _details

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from . import admin_intake  # noqa: E402, F401
