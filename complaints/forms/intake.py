"""The 《住户投诉意见表》 at the intake desk."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, cast

from django import forms
from django.db.models import Field
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from staff.models import Department

from .. import limits
from ..models import Channel, Complaint, Grade
from ..services.intake import (
    ESCALATE_TO_DIRECTOR,
    ESCALATE_TO_SUPERVISOR,
    NOT_ESCALATED,
    ON_THE_SPOT,
    OUT_OF_SCOPE,
    ROUTE_OUTCOME,
)

OUTCOMES = [
    (ROUTE_OUTCOME, _("Route to a department (派单)")),
    (ON_THE_SPOT, _("Resolved on the spot (当场解决)")),
    (OUT_OF_SCOPE, _("Out of scope, explained to the resident (非职责范围)")),
]

REPEAT_CHOICES = [
    (NOT_ESCALATED, _("No, not this time")),
    (ESCALATE_TO_SUPERVISOR, _("Yes, to the customer-service supervisor (客服主管)")),
    (ESCALATE_TO_DIRECTOR, _("Yes, to the office director (管理处主任)")),
]

# One text field for a moment: "2026-12-01 14:30", "12-01 14:30", "14:30" (today).
_MOMENT = re.compile(
    r"^(?:(?:(?P<y>\d{4})[-/.年])?(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?(?:[ T]+|$))?"
    r"(?:(?P<H>\d{1,2})[:：时](?P<M>\d{2})分?)?$"
)


def _parse_moment(text: str, *, need_time: bool) -> tuple[dt.date, dt.time | None] | None:
    """(date, time) typed as one field; a missing year is this year, a missing date today.
    A month and day without a year that lies ahead (typed in early January about late
    December) means last year for a past moment (``need_time``)."""
    match = _MOMENT.match(text.strip())
    if not match or not any(match.group(k) for k in ("m", "H")):
        return None
    if need_time and match.group("H") is None:
        return None
    today = timezone.localdate()
    try:
        if match.group("m"):
            year = int(match.group("y") or today.year)
            day = dt.date(year, int(match.group("m")), int(match.group("d")))
            if need_time and not match.group("y") and day > today + dt.timedelta(days=1):
                day = day.replace(year=year - 1)
        else:
            day = today
        moment = dt.time(int(match.group("H")), int(match.group("M"))) if match.group("H") else None
    except ValueError:
        return None
    return day, moment


class MomentField(forms.DateTimeField):
    """The incident time in one text field: ``2026-12-01 14:30``, ``12-01 14:30`` or
    ``14:30`` (today), in the estate's time zone."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> dt.datetime | None:
        if isinstance(value, dt.datetime) or value in self.empty_values:
            return super().to_python(value)
        parsed = _parse_moment(str(value), need_time=True)
        if parsed is None:
            return super().to_python(value)  # 2026-12-01T14:30 and Django's own formats
        day, moment = parsed
        assert moment is not None
        return timezone.make_aware(dt.datetime.combine(day, moment))

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        return value


class DayField(forms.DateField):
    """A date in one text field: ``2026-12-05`` or ``12-05`` (this year)."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date) or value in self.empty_values:
            return super().to_python(value)
        parsed = _parse_moment(str(value), need_time=False)
        if parsed is None or parsed[1] is not None:
            return super().to_python(value)
        return parsed[0]

    def prepare_value(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments of the desk's own estate: the estate's name would only repeat."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _counted(limit: int, rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "maxlength": limit, "data-count": limit})


class IntakeForm(forms.ModelForm):
    """The 《住户投诉意见表》, plus what happens right after saving."""

    department = DepartmentChoiceField(
        label=_("Route to"), queryset=Department.objects.none(), required=False
    )
    target_department = DepartmentChoiceField(
        queryset=Department.objects.none(),
        required=False,
    )
    outcome = forms.ChoiceField(
        label=_("Next step"), choices=OUTCOMES, initial=ROUTE_OUTCOME, widget=forms.RadioSelect
    )
    outcome_note = forms.CharField(
        label=_("What was done or explained"), required=False, widget=_counted(limits.NOTE, 2)
    )
    incident_at = MomentField(
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. 14:30, 12-01 14:30"), "autocomplete": "off"}
        ),
    )
    requested_deadline = DayField(
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 12-05"), "autocomplete": "off"}),
    )
    unit_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    repeat_of_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    repeat_escalation = forms.ChoiceField(
        label=_("Raised again: escalate it?"),
        choices=REPEAT_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )

    # The order of a phone call: how it came, what about, how bad, what happened, who,
    # where it goes; then the rest of the form after the save buttons.
    field_order = [
        "channel",
        "category",
        "grade",
        "description",
        "resident_name",
        "resident_phone",
        "department",
    ]

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
            "stop_harm_first",
        ]
        widgets = {
            "channel": forms.Select(attrs={"autofocus": True}),
            "description": _counted(limits.DESCRIPTION, 3),
            "demand": _counted(limits.DEMAND, 2),
            "resident_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "resident_name": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, estate, defaults: dict[str, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.estate = estate
        departments = (
            Department.objects.filter(estate=estate).select_related("estate").order_by("kind")
        )
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments
        cast(forms.ModelChoiceField, self.fields["target_department"]).queryset = departments
        for name in ("incident_at", "requested_deadline", "target_department"):
            model_field = Complaint._meta.get_field(name)
            assert isinstance(model_field, Field)
            self.fields[name].label = capfirst(model_field.verbose_name)
        self.fields["channel"].initial = Channel.PHONE
        self.fields["grade"].initial = Grade.MINOR
        # Category → default department, for the page's script and the first render.
        self.defaults = defaults or {}
        self.fields["category"].widget.attrs["data-default-departments"] = json.dumps(self.defaults)
        category = self.initial.get("category")
        if not self.is_bound and category in self.defaults and not self.initial.get("department"):
            self.initial["department"] = self.defaults[category]

    def clean_repeat_escalation(self) -> str | None:
        return self.cleaned_data.get("repeat_escalation") or None

    def validate_constraints(self) -> None:
        """The service checks every rule of the form (``complaints.services.intake``)
        and names the field; the view puts its errors beside the fields."""
