"""The forms of the actions on a complaint's page."""

from __future__ import annotations

from typing import cast

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.models import Department

from .. import limits
from ..models import Grade
from .widgets import DateTimeLocalInput


def seen_token(complaint) -> str:
    """Where the complaint stood when the page was drawn: its status and department."""
    return f"{complaint.status}:{complaint.department_id or ''}"


class RouteForm(forms.Form):
    """Routing, or passing a routed complaint to another department (转派): then the
    department that holds it is not offered again."""

    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    # A complaint signed for or passed on while the clerk had the page open is not
    # passed on blindly: the view compares this with where it stands now.
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, complaint, **kwargs):
        kwargs.setdefault("initial", {"seen": seen_token(complaint)})
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["department"])
        field.queryset = (
            Department.objects.filter(estate_id=complaint.estate_id)
            .select_related("estate")  # each option's label names the estate
            .order_by("kind")
        )
        if complaint.department_id is not None:
            # Not offered again; what may be routed where stays the service's rule.
            field.label = _("Pass to")
            held = str(complaint.department_id)
            choices = cast(ModelChoiceIterator, field.choices)
            offered = [(value, label) for value, label in choices if str(value) != held]
            cast(forms.Select, field.widget).choices = offered
        self.complaint = complaint

    def is_stale(self) -> bool:
        seen = self.cleaned_data.get("seen")
        return bool(seen) and seen != seen_token(self.complaint)


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


class CloseForm(forms.Form):
    """Closing. The reason is asked only of whom may close over repair orders still
    open (the supervisor, the office director, the general manager); a plain close
    posts nothing."""

    override_reason = forms.CharField(
        label=_("Why close it while its repair orders are open"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": limits.NOTE}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


# How the desk tells the resident the result; the log names the method in these words.
INFORM_METHODS = [
    ("phone", _("Phone (电话)")),
    ("visit", _("Visit by the floor patrol (楼层巡视员上门)")),
    ("letter", _("Written reply (书面回复)")),
]


class InformForm(forms.Form):
    METHODS = INFORM_METHODS
    method = forms.ChoiceField(label=_("How the resident was told"), choices=METHODS)
    note = forms.CharField(
        label=_("What the resident said"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RegradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("New grade"), choices=Grade.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, complaint, **kwargs):
        # Starts at the grade it has: a supervisor changes it on purpose, never by default.
        kwargs.setdefault("initial", {"grade": complaint.grade})
        super().__init__(*args, **kwargs)


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

    def clean(self):
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the extension is refused."))
        return data
