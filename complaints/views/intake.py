"""The intake desk: the 《住户投诉意见表》 in one form, with the unit lookup."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from staff.access import (
    AuthenticatedHttpRequest,
    capability_required,
    estates_for,
    profile_of,
)
from staff.models import Unit
from staff.roles import USE_INTAKE_DESK

from .. import selectors, services
from ..forms import IntakeForm


def _desk_estate(request: HttpRequest):
    profile = profile_of(request.user)
    if profile is not None and profile.estate_id:
        return profile.estate
    # A manager without an estate works at the estate chosen with ?estate=.
    chosen = request.GET.get("estate", "")
    if chosen:
        if not chosen.isdigit():
            raise Http404
        return get_object_or_404(estates_for(request.user), pk=chosen)
    return estates_for(request.user).first()


def _add_service_errors(form, exc: ValidationError) -> None:
    """Service errors keyed by a form field go beside it; others on top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_http_methods(["GET", "POST"])
@capability_required(USE_INTAKE_DESK)
def intake(request: AuthenticatedHttpRequest) -> HttpResponse:
    estate = _desk_estate(request)
    if estate is None:
        raise PermissionDenied
    unit = None
    unit_id = request.POST.get("unit_id") or request.GET.get("unit")
    if unit_id and str(unit_id).isdigit():
        unit = Unit.objects.filter(estate=estate, pk=unit_id).prefetch_related("residents").first()
    form = IntakeForm(request.POST or None, estate=estate, initial=_prefill(request, unit))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        repeat_of = None
        if data.get("repeat_of_id"):
            repeat_of = (
                selectors.complaints_for(request.user).filter(pk=data["repeat_of_id"]).first()
            )
        try:
            complaint = services.complaint_intake(
                actor=request.user,
                estate=estate,
                outcome=data["outcome"],
                department=data.get("department"),
                outcome_note=data.get("outcome_note", ""),
                unit=unit,
                repeat_of=repeat_of,
                **{f: data[f] for f in IntakeForm.Meta.fields},
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        except services.ComplaintError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Complaint %(n)s saved: %(s)s.")
                % {"n": complaint.number, "s": complaint.get_status_display()},
            )
            return redirect("complaints:detail", pk=complaint.pk)
    term = request.GET.get("q", "").replace("\x00", "")[:50]
    phone = (form["resident_phone"].value() or "").strip() if form.is_bound else ""
    context = {
        "form": form,
        "estate": estate,
        "unit": unit,
        "term": term,
        "matches": selectors.unit_matches(estate_id=estate.pk, term=term) if term else [],
        "history": selectors.unit_history(estate_id=estate.pk, unit=unit, phone=phone),
    }
    return render(request, "complaints/intake.html", context, status=400 if form.errors else 200)


def _prefill(request: HttpRequest, unit: Unit | None) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    if unit is not None:
        initial["unit_id"] = unit.pk
        residents = list(unit.residents.all())
        chosen = next((r for r in residents if str(r.pk) == request.GET.get("resident")), None)
        chosen = chosen or (residents[0] if len(residents) == 1 else None)
        if chosen is not None:
            initial.update(resident_name=chosen.name, resident_phone=chosen.phone)
    return initial
