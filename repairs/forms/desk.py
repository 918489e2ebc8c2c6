"""The desk's repair form: the 《维修服务通知单》 and where it goes, in one form. It checks
types and what the clerk must fill in; the services check the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.forms.widgets import DateTimeLocalInput
from staff.models import Estate, Unit
from staff.templatetags.staff_tags import person_with_username
from staff.validators import normalize_phone, validate_phone

from ..models import Fault, RepairKind, Source, Urgency
from ..services.base import NOTE_LIMIT

# How the order goes on once saved.
ASSIGN, PUBLISH, ROUND_ROBIN, HEAD = "assign", "publish", "round_robin", "head"
DISPATCH_CHOICES = [
    (ASSIGN, _("Assign to a technician (派给维修员)")),
    (PUBLISH, _("Open to take (抢单): those on shift are told")),
    (ROUND_ROBIN, _("Next on shift in turn (轮派)")),
    (HEAD, _("Leave it for the engineering head to dispatch")),
]

# An agreed time a little in the past is a slip of the clock, not a mistake.
APPOINTMENT_GRACE = dt.timedelta(minutes=10)


class RepairDeskForm(forms.Form):
    """Who, where, what, how urgent, and who does it."""

    unit_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    location = forms.CharField(
        label=_("Place (公共区域)"),
        required=False,
        max_length=200,
        help_text=_("A common area when there is no unit (e.g. 3号楼电梯厅), or details."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    resident_name = forms.CharField(
        label=_("Reported by (报修人)"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    resident_phone = forms.CharField(
        label=_("Contact phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("What is to be repaired (报修项目)"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_LIMIT, "autofocus": True}),
    )
    fault = forms.ChoiceField(label=_("Fault"), choices=Fault.choices, initial=Fault.OTHER)
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.URGENT,
        widget=forms.RadioSelect,
    )
    appointment_at = forms.DateTimeField(
        label=_("Agreed time (预约时间)"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("For an appointment: the time agreed with the resident."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of repair"),
        choices=[(k.value, k.label) for k in RepairKind if k != RepairKind.NOT_A_REPAIR],
        initial=RepairKind.FREE,
    )
    source = forms.ChoiceField(
        label=_("Reported how"),
        choices=[(s.value, s.label) for s in Source if s != Source.COMPLAINT],
        initial=Source.CALL,
    )
    dispatch = forms.ChoiceField(
        label=_("Who does it"),
        choices=DISPATCH_CHOICES,
        initial=PUBLISH,
        widget=forms.RadioSelect,
    )
    technician = forms.TypedChoiceField(
        label=_("Technician"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        estate: Estate,
        crew: list[User],
        on_shift: set[int],
        from_complaint: bool = False,
        can_dispatch: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.estate = estate
        self.unit: Unit | None = None
        # Those on shift first, marked: the desk assigns to someone who is there.
        crew = sorted(crew, key=lambda u: (u.pk not in on_shift, u.pk))
        self.crew = {u.pk: u for u in crew}
        field = self.fields["technician"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—")] + [
            (u.pk, _("%(name)s · on shift (在班)") % {"name": person_with_username(u)})
            if u.pk in on_shift
            else (u.pk, person_with_username(u))
            for u in crew
        ]
        if from_complaint:
            # The service records it as from the complaint; nothing to choose.
            del self.fields["source"]
        if not can_dispatch:
            # Staff outside the desk report a repair; the desk dispatches it (SPEC §5).
            dispatch = self.fields["dispatch"]
            assert isinstance(dispatch, forms.ChoiceField)
            dispatch.choices = [(HEAD, _("Send it to the service desk to dispatch"))]
            dispatch.initial = HEAD
            del self.fields["technician"]
            if "source" in self.fields:
                source = self.fields["source"]
                assert isinstance(source, forms.ChoiceField)
                source.choices = [(s.value, s.label) for s in (Source.STAFF, Source.PATROL)]
                source.initial = Source.STAFF

    def clean_unit_id(self) -> int | None:
        unit_id = self.cleaned_data.get("unit_id")
        if unit_id is None:
            return None
        self.unit = Unit.objects.filter(estate=self.estate, pk=unit_id).first()
        if self.unit is None:
            raise forms.ValidationError(_("This unit is not in this estate: find it again."))
        return unit_id

    def clean_resident_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data.get("resident_phone") or "")
        if phone:
            validate_phone(phone)
        return phone

    def clean_technician(self) -> User | None:
        pk = self.cleaned_data.get("technician")
        if pk is None:
            return None
        if pk not in self.crew:
            raise forms.ValidationError(_("Choose a technician of this estate's engineering."))
        return self.crew[pk]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("urgency") == Urgency.APPOINTMENT:
            self._check_appointment(data.get("appointment_at"))
        else:
            data["appointment_at"] = None
        no_place = not (data.get("location") or "").strip()
        if self.unit is None and no_place and "unit_id" not in self.errors:
            self.add_error("location", _("Give the unit or the place."))
        no_technician = data.get("technician") is None and "technician" not in self.errors
        if data.get("dispatch") == ASSIGN and no_technician:
            self.add_error("technician", _("Choose the technician to assign it to."))
        return data

    def _check_appointment(self, at: dt.datetime | None) -> None:
        if "appointment_at" in self.errors:
            return
        if at is None:
            self.add_error("appointment_at", _("An appointment needs the agreed time."))
        elif at < timezone.now() - APPOINTMENT_GRACE:
            self.add_error("appointment_at", _("The agreed time has passed."))
