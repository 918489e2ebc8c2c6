"""The engineering board's filters and month, and the shift roster's form."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.forms.widgets import DateTimeLocalInput
from staff.models import Estate
from staff.roles import Role
from staff.templatetags.staff_tags import person

from ..models import Status, Urgency
from ..services.roster import rostered_staff

UNASSIGNED = "none"


def technicians_of(estate: Estate) -> QuerySet[User]:
    """The estate's technicians, active or not (an old order may still be theirs)."""
    return User.objects.filter(
        staff_profile__estate=estate, staff_profile__role=Role.TECHNICIAN
    ).order_by("last_name", "first_name", "pk")


def _style(form: forms.Form) -> None:
    for f in form.fields.values():
        widget = f.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select form-select-sm"
        else:
            widget.attrs["class"] = "form-control form-control-sm"


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m", **kwargs)


class BoardFilterForm(forms.Form):
    """GET filters of the board (and the month of its figures). Rendered field by
    field in board.html, without crispy: the board is reloaded all day."""

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", "—"),
            *[(s.value, s.label) for s in Status if s != Status.CLOSED],
            (Status.CLOSED.value, _("Closed today")),
        ],
    )
    technician = forms.ChoiceField(label=_("Technician"), required=False)
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", "—"), *Urgency.choices]
    )
    late = forms.BooleanField(label=_("Late only"), required=False)
    month = forms.DateField(
        label=_("Month of the figures"),
        required=False,
        input_formats=["%Y-%m"],
        widget=MonthInput(),
        error_messages={"invalid": _("Give the month as YYYY-MM.")},
    )

    def __init__(self, *args: Any, technicians: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._technician_names = {u.pk: person(u) for u in technicians}
        cast(forms.ChoiceField, self.fields["technician"]).choices = [
            ("", "—"),
            (UNASSIGNED, _("Unassigned / open to take")),
            *[(str(pk), name) for pk, name in self._technician_names.items()],
        ]
        _style(self)

    def technician_names(self) -> dict[int, str]:
        """The technicians offered, by id, as the filter names them."""
        return self._technician_names

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is ignored, not an error page)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{person(obj)} · {obj.staff_profile.get_role_display()}"


class ShiftForm(forms.Form):
    """One shift: who (a technician or duty officer of the estate), from, until. The
    service checks it again, with the overlap, under a lock."""

    user = PersonChoice(
        label=_("On duty"),
        queryset=User.objects.none(),
        error_messages={
            "invalid_choice": _("Choose a technician or duty officer of this estate."),
        },
    )
    starts_at = forms.DateTimeField(label=_("From"), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("Until"), widget=DateTimeLocalInput())

    def __init__(self, *args: Any, estate: Estate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = rostered_staff(estate)
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if isinstance(starts, dt.datetime) and isinstance(ends, dt.datetime):
            if ends <= starts:
                self.add_error("ends_at", _("'Until' must be after 'from'."))
            elif ends <= timezone.now():
                self.add_error("ends_at", _("This shift is over already: give a later time."))
        return data
