"""The callback screens' forms: each checks types only, the service is the one validator
(what a reached resident must be asked, whether a visit carries a signature)."""

from __future__ import annotations

import base64
import binascii

from django import forms
from django.utils.translation import gettext_lazy as _

from . import policy
from .models import Kind, Method, Satisfaction

YES, NO = "yes", "no"


def _radios(label, choices, *, required: bool = False) -> forms.ChoiceField:
    """Radios drawn as a row of buttons (``callbacks/_radios.html``): big enough for a
    thumb on a phone."""
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )


class RecordForm(forms.Form):
    """One callback (004 §4.2.6, 《回访记录表》): how, whether the resident was reached,
    how satisfied (for a repair also the attitude, the speed and the quality of the work,
    003 §5.6), the resident's words, and for a visit the signature drawn on the screen
    (a PNG as a data URL from the signature pad)."""

    method = _radios(_("How (回访方式)"), Method.choices, required=True)
    reached = _radios(
        _("Was the resident reached?"),
        [(YES, _("Reached")), (NO, _("Not reached"))],
        required=True,
    )
    satisfaction = _radios(_("Satisfaction (满意度)"), Satisfaction.choices)
    attitude = _radios(_("Service attitude (服务态度)"), Satisfaction.choices)
    speed = _radios(_("Speed (工作效率)"), Satisfaction.choices)
    quality = _radios(_("Quality of the work (工作质量)"), Satisfaction.choices)
    words = forms.CharField(
        label=_("What the resident said (住户意见)"),
        required=False,
        max_length=policy.NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)

    RATINGS = ("attitude", "speed", "quality")

    def __init__(self, *args, kind: str, **kwargs):
        kwargs.setdefault("initial", {"method": Method.PHONE, "reached": YES})
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind != Kind.REPAIR:
            for name in self.RATINGS:
                del self.fields[name]

    @property
    def ratings(self) -> list[forms.BoundField]:
        return [self[name] for name in self.RATINGS if name in self.fields]

    def clean_signature(self) -> bytes | None:
        raw = self.cleaned_data.get("signature") or ""
        if not raw:
            return None
        head, _sep, body = raw.partition(",")
        if head != "data:image/png;base64" or not body:
            raise forms.ValidationError(_("The drawn signature did not arrive: sign again."))
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise forms.ValidationError(
                _("The drawn signature did not arrive: sign again.")
            ) from None

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "method": d["method"],
            "reached": d["reached"] == YES,
            "satisfaction": d.get("satisfaction") or "",
            "attitude": d.get("attitude") or "",
            "speed": d.get("speed") or "",
            "quality": d.get("quality") or "",
            "words": d.get("words") or "",
            "signature": d.get("signature"),
        }


class CallbackFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All")), *Kind.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    week = forms.DateField(required=False, widget=forms.HiddenInput)


class LetterForm(forms.Form):
    """A public letter (公开信) answering several residents with the same matter."""

    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(
        label=_("Text of the letter"), max_length=5000, widget=forms.Textarea(attrs={"rows": 10})
    )
    ids = forms.TypedMultipleChoiceField(coerce=int, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, choices: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(str(pk), str(pk)) for pk in choices]
        field.error_messages["invalid_choice"] = _(
            "One of the chosen callbacks is no longer waiting: choose again on the list."
        )
