"""The 《住户投诉意见表》 at the intake desk."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.models import Department

from ..models import Channel, Complaint, Grade
from ..services.intake import ON_THE_SPOT, OUT_OF_SCOPE, ROUTE_OUTCOME
from .widgets import DateTimeLocalInput

OUTCOMES = [
    (ROUTE_OUTCOME, _("Route to a department (派单)")),
    (ON_THE_SPOT, _("Resolved on the spot (当场解决)")),
    (OUT_OF_SCOPE, _("Out of scope, explained to the resident (非职责范围)")),
]


class IntakeForm(forms.ModelForm):
    """The 《住户投诉意见表》, plus what happens right after saving."""

    outcome = forms.ChoiceField(
        label=_("Next step"), choices=OUTCOMES, initial=ROUTE_OUTCOME, widget=forms.RadioSelect
    )
    department = forms.ModelChoiceField(
        label=_("Route to"), queryset=Department.objects.none(), required=False
    )
    outcome_note = forms.CharField(
        label=_("What was done or explained"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    unit_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    repeat_of_id = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Complaint
        fields = [
            "channel",
            "category",
            "grade",
            "description",
            "demand",
            "requested_deadline",
            "incident_at",
            "location",
            "target_department",
            "target_staff",
            "resident_name",
            "resident_phone",
            "anonymous",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3, "autofocus": True}),
            "demand": forms.Textarea(attrs={"rows": 2}),
            "requested_deadline": forms.DateInput(attrs={"type": "date"}),
            "incident_at": DateTimeLocalInput(),
        }

    def __init__(self, *args, estate, **kwargs):
        super().__init__(*args, **kwargs)
        self.estate = estate
        departments = Department.objects.filter(estate=estate).order_by("kind")
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments
        cast(forms.ModelChoiceField, self.fields["target_department"]).queryset = departments
        self.fields["channel"].initial = Channel.PHONE
        self.fields["grade"].initial = Grade.MINOR

    def validate_constraints(self) -> None:
        """The service checks every rule of the form (``complaints.services.intake``)
        and names the field; the view puts its errors beside the fields."""
