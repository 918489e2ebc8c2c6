"""The forms of the actions on a complaint's page."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.models import Department

from ..models import Grade
from .widgets import DateTimeLocalInput


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
