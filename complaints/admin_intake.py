"""The intake desk's settings in the admin: which department each category of complaint
goes to by default, per estate (the intake form preselects it).

Registered when ``complaints/admin.py`` imports this module."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from staff.models import Department

from .models import CategoryDepartment


class CategoryDepartmentForm(forms.ModelForm):
    class Meta:
        model = CategoryDepartment
        fields = ["estate", "category", "department"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Department.objects.select_related("estate").order_by(
            "estate__code", "kind"
        )


@admin.register(CategoryDepartment)
class CategoryDepartmentAdmin(admin.ModelAdmin):
    form = CategoryDepartmentForm
    list_display = ["estate", "category", "department"]
    list_filter = ["estate", "category"]
    list_select_related = ["estate", "department"]
    ordering = ["estate__code", "category"]
