"""The desk's forms for inquiries, help requests and the duty log."""

from __future__ import annotations

from typing import cast

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from repairs.forms.board import PersonChoice

from . import policy
from .models import Channel, Incident, Kind


class _Crispy(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class RequestForm(_Crispy):
    kind = forms.ChoiceField(label=_("What is it"), choices=Kind.choices)
    incident = forms.ChoiceField(
        label=_("Incident (事件)"), required=False, choices=[("", "—"), *Incident.choices]
    )
    channel = forms.ChoiceField(label=_("How it reached the desk"), choices=Channel.choices)
    location = forms.CharField(label=_("Place (if not a unit)"), required=False, max_length=100)
    resident_name = forms.CharField(label=_("Name"), required=False, max_length=50)
    resident_phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    question = forms.CharField(
        label=_("What was asked or reported"),
        max_length=policy.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    confidential = forms.BooleanField(
        label=_("Touches the company's confidential matters (涉密)"), required=False
    )
    answer = forms.CharField(
        label=_("Answered at once: the answer, or what was done (leave empty if not)"),
        required=False,
        max_length=policy.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReferForm(forms.Form):
    supervisor = PersonChoice(label=_("Supervisor asked"), queryset=User.objects.none())

    def __init__(self, *args, supervisors, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["supervisor"])
        field.queryset = supervisors
        field.widget.attrs["class"] = "form-select"


class ActionForm(_Crispy):
    note = forms.CharField(
        label=_("What was done"),
        max_length=policy.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    who_went = forms.CharField(label=_("Who went"), required=False, max_length=100)


class AnswerForm(_Crispy):
    answer = forms.CharField(
        label=_("Answer, or what was done"),
        max_length=policy.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DutyNoteForm(_Crispy):
    text = forms.CharField(
        label=_("Duty record (值班记录)"),
        max_length=policy.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HandoverForm(_Crispy):
    to = PersonChoice(label=_("Hand over to"), queryset=User.objects.none())
    watch = forms.CharField(
        label=_("What to watch (重点问题)"),
        required=False,
        max_length=policy.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["to"]).queryset = people
