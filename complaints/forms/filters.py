"""The filters and search of the complaint list."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.models import Estate

from ..models import Category, Channel, Grade, Status
from ..selectors import CALLBACK_PENDING, FULLY_CLOSED, Extended, Scope


class ComplaintFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("Number, room, name, phone or words (e.g. 漏水)")}
        ),
    )
    estate = forms.ModelChoiceField(
        label=_("Estate"), required=False, queryset=Estate.objects.none()
    )
    grade = forms.ChoiceField(label=_("Grade"), required=False, choices=[("", "—"), *Grade.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *Status.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", "—"), *Category.choices]
    )
    # Its choices are the departments of the user's estates (``department_choices``).
    department = forms.TypedChoiceField(
        label=_("Department"), required=False, coerce=int, empty_value=None
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", "—"), *Channel.choices]
    )
    scope = forms.ChoiceField(label=_("Scope"), required=False, choices=[("", "—"), *Scope.choices])
    extension = forms.ChoiceField(
        label=_("Extension (延期)"), required=False, choices=[("", "—"), *Extended.choices]
    )
    # A closed complaint is fully closed once its callback (回访) is done, recorded as
    # not needed (anonymous) or the resident was unreachable (SPEC §6).
    callback = forms.ChoiceField(
        label=_("Callback (回访)"),
        required=False,
        choices=[
            ("", "—"),
            (FULLY_CLOSED, _("Fully closed (callback done)")),
            (CALLBACK_PENDING, _("Closed, callback pending")),
        ],
    )
    # Received within these days (the monthly report's counts link here).
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    open_only = forms.BooleanField(label=_("Open only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    repeat = forms.BooleanField(label=_("Repeat complaints"), required=False)
    escalated = forms.BooleanField(label=_("Escalated"), required=False)
    unrouted = forms.BooleanField(label=_("Not routed"), required=False)

    def __init__(self, *args, estates, departments: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        # Rendered field by field in list.html (no crispy: this form is on every list).
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"
        cast(forms.ModelChoiceField, self.fields["estate"]).queryset = estates
        cast(forms.TypedChoiceField, self.fields["department"]).choices = [
            ("", "—"),
            *departments,
        ]
