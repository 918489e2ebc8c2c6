from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.models import Department, Estate

from .models import Category, Channel, Complaint, Grade, Status
from .services.intake import ON_THE_SPOT, OUT_OF_SCOPE, ROUTE_OUTCOME

OUTCOMES = [
    (ROUTE_OUTCOME, _("Route to a department (派单)")),
    (ON_THE_SPOT, _("Resolved on the spot (当场解决)")),
    (OUT_OF_SCOPE, _("Out of scope, explained to the resident (非职责范围)")),
]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


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


class RouteForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["department"]
        ).queryset = Department.objects.filter(estate_id=complaint.estate_id).order_by("kind")


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class OptionalNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class HandleForm(forms.Form):
    note = forms.CharField(
        label=_("What was done and the result"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class InformForm(forms.Form):
    METHODS = [
        ("phone", _("Phone (电话)")),
        ("visit", _("Visit by the floor patrol (楼层巡视员上门)")),
        ("letter", _("Written reply (书面回复)")),
    ]
    method = forms.ChoiceField(label=_("How the resident was told"), choices=METHODS)
    note = forms.CharField(
        label=_("What the resident said"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RegradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("New grade"), choices=Grade.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionRequestForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    interim_measure = forms.CharField(
        label=_("Interim measure"), widget=forms.Textarea(attrs={"rows": 2})
    )
    new_deadline = forms.DateTimeField(label=_("New deadline"), widget=DateTimeLocalInput())

    def clean_new_deadline(self):
        value = self.cleaned_data["new_deadline"]
        if value <= timezone.now():
            raise forms.ValidationError(_("The new deadline must be in the future."))
        return value


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve (批准)")), ("refuse", _("Refuse (不批准)"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


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
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.none()
    )
    open_only = forms.BooleanField(label=_("Open only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    repeat = forms.BooleanField(label=_("Repeat complaints"), required=False)

    def __init__(self, *args, estates, **kwargs):
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
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = (
            Department.objects.filter(estate__in=estates)
            .select_related("estate")
            .order_by("estate__code", "kind")
        )
