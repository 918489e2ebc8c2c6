"""The forms of the actions on a repair order's page: each checks types only, the
service is the one validator."""

from __future__ import annotations

import base64
import binascii
from typing import cast

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from complaints.forms.actions import OptionalNoteForm as OptionalNoteForm
from complaints.forms.widgets import DateTimeLocalInput
from staff.templatetags.staff_tags import person

from .. import policy
from ..images import photo_too_big
from ..models import FeeLine, Photo, RepairKind, RepairOrder, Urgency
from ..services.dispatching import technicians


class TechnicianChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return person(obj)


def _technicians_of(o: RepairOrder, exclude: int | None = None) -> list[User]:
    if o.department_id is None:
        return []
    return [u for u in technicians(o.department_id) if u.pk != exclude]


class DispatchForm(forms.Form):
    ASSIGN, PUBLISH, ROUND_ROBIN = "assign", "publish", "round_robin"
    mode = forms.ChoiceField(
        label=_("How"),
        choices=[
            (ASSIGN, _("Assign to a technician")),
            (PUBLISH, _("Open to those on shift to take (抢单)")),
            (ROUND_ROBIN, _("Next on shift in turn (轮派)")),
        ],
        initial=ASSIGN,
        widget=forms.RadioSelect,
    )
    technician = TechnicianChoice(
        label=_("Technician"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, order: RepairOrder, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["technician"])
        field.queryset = User.objects.filter(
            pk__in=[u.pk for u in _technicians_of(order)]
        ).order_by("pk")

    def clean(self):
        data = super().clean() or {}
        if data.get("mode") == self.ASSIGN and not data.get("technician"):
            self.add_error("technician", _("Choose the technician."))
        return data


class TransferForm(forms.Form):
    technician = TechnicianChoice(label=_("Pass to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, order: RepairOrder, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["technician"])
        field.queryset = User.objects.filter(
            pk__in=[u.pk for u in _technicians_of(order, exclude=order.technician_id)]
        ).order_by("pk")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class FinishForm(forms.Form):
    work_done = forms.CharField(
        label=_("Work done (维修情况)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    parts = forms.CharField(
        label=_("Parts used"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FeeLineForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=FeeLine.Kind.choices,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    item = forms.CharField(label=_("Item"), max_length=100, required=False)
    unit_price = forms.CharField(
        label=_("Unit price (元)"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    quantity = forms.CharField(
        label=_("Quantity"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def is_blank(self) -> bool:
        d = self.cleaned_data
        return not any((d.get("item"), d.get("unit_price"), d.get("quantity")))


FeeLineFormSet = forms.formset_factory(
    FeeLineForm, extra=2, max_num=policy.MAX_FEE_LINES, validate_max=True
)


class ConfirmFeeForm(forms.Form):
    resident_name = forms.CharField(label=_("Resident who agreed (住户)"), max_length=50)


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("When"), choices=Photo.Stage.choices, widget=forms.RadioSelect
    )
    image = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def clean_image(self):
        """Refused by its size before it is read into memory."""
        image = self.cleaned_data["image"]
        too_big = photo_too_big(image.size)
        if too_big:
            raise forms.ValidationError(too_big)
        return image


class SignForm(forms.Form):
    """The resident signs on the screen (a PNG as a data URL from the signature pad),
    or types the name; or the reason there is no signature."""

    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    signed_name = forms.CharField(
        label=_("Or the resident's name typed"), max_length=50, required=False
    )
    unsigned_reason = forms.CharField(label=_("No signature: why"), max_length=200, required=False)

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


class CloseForm(forms.Form):
    receipt_number = forms.CharField(
        label=_("Receipt number (收据号)"), max_length=30, required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, order: RepairOrder, **kwargs):
        super().__init__(*args, **kwargs)
        if not (order.kind == RepairKind.PAID and order.fee_total > 0):
            del self.fields["receipt_number"]


class CannotNowForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it cannot be done now"), widget=forms.Textarea(attrs={"rows": 2})
    )
    promised_at = forms.DateTimeField(label=_("Promised time"), widget=DateTimeLocalInput())
    responsible_party = forms.CharField(
        label=_("Responsible party"), max_length=100, required=False
    )
    protective_measures = forms.CharField(
        label=_("Protective measures taken (保护性维修)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WarrantyForm(forms.Form):
    contractor = forms.CharField(label=_("Warranty contractor"), max_length=100)


class ReworkForm(forms.Form):
    reason = forms.CharField(label=_("Why it is redone"), widget=forms.Textarea(attrs={"rows": 2}))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.URGENT)
    appointment_at = forms.DateTimeField(
        label=_("Appointment"), required=False, widget=DateTimeLocalInput()
    )
