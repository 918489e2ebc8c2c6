"""The intake desk: the 《住户投诉意见表》 in one form, with the unit lookup."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
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
from staff.validators import normalize_phone, validate_phone

from .. import selectors, services
from ..forms import IntakeForm
from .common import warn_if_nobody_is_told


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


def _estate_param(request: HttpRequest) -> str:
    """The estate a manager chose to work at (``?estate=``), else nothing."""
    chosen = request.GET.get("estate", "")
    return chosen if chosen.isdigit() else ""


def _estate_query(request: HttpRequest) -> str:
    """``&estate=N`` for the links of the unit lookup."""
    chosen = _estate_param(request)
    return f"&estate={chosen}" if chosen else ""


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
    posted = None
    if request.method == "POST":
        posted = request.POST.copy()
        # "Save as a repeat of this one" in the history panel (outside the form).
        link = request.POST.get("link_repeat", "")
        if link:
            posted["repeat_of_id"] = link
    defaults = selectors.default_departments(estate_id=estate.pk)
    form = IntakeForm(posted, estate=estate, defaults=defaults, initial=_prefill(request, unit))
    repeat_of = None
    if form.is_bound and str(form["repeat_of_id"].value() or "").isdigit():
        repeat_of = (
            selectors.complaints_for(request.user)
            .filter(pk=form["repeat_of_id"].value())
            .select_related("department")
            .first()
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_intake(
                actor=request.user,
                estate=estate,
                outcome=data["outcome"],
                department=data.get("department"),
                outcome_note=data.get("outcome_note", ""),
                repeat_escalation=data.get("repeat_escalation"),
                unit=unit,
                repeat_of=repeat_of if data.get("repeat_of_id") else None,
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
            warn_if_nobody_is_told(request, complaint)
            if request.POST.get("next"):
                # Save and take the next one: an empty form for the next caller.
                url = reverse("complaints:intake")
                chosen = _estate_param(request)
                return redirect(f"{url}?estate={chosen}" if chosen else url)
            return redirect("complaints:detail", pk=complaint.pk)
    term = request.GET.get("q", "").replace("\x00", "")[:50]
    phone = (form["resident_phone"].value() or "").strip() if form.is_bound else ""
    context = {
        "form": form,
        "estate": estate,
        "unit": unit,
        "term": term,
        "lookup": selectors.unit_lookup(estate_id=estate.pk, term=term) if term else None,
        "history": selectors.unit_history(estate_id=estate.pk, unit=unit, phone=phone),
        "unit_repairs": selectors.unit_repairs(unit=unit),
        "repair_url": _repair_url(request, unit, form),
        "repeat_of": repeat_of,
        "estate_query": _estate_query(request),
        "estate_param": _estate_param(request),
    }
    return render(request, "complaints/intake.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET"])
@capability_required(USE_INTAKE_DESK)
def intake_units(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The unit lookup as the clerk types: an HTML fragment of the matches."""
    estate = _desk_estate(request)
    if estate is None:
        raise PermissionDenied
    term = request.GET.get("q", "").replace("\x00", "")[:50]
    context = {
        "term": term,
        "lookup": selectors.unit_lookup(estate_id=estate.pk, term=term),
        "estate_query": _estate_query(request),
    }
    return render(request, "complaints/intake/_unit_matches.html", context)


@require_http_methods(["GET"])
@capability_required(USE_INTAKE_DESK)
def intake_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The history panel of a chosen unit, or of a full phone number (which attaches
    the unit where a resident has it): an HTML fragment."""
    estate = _desk_estate(request)
    if estate is None:
        raise PermissionDenied
    unit = None
    unit_id = request.GET.get("unit", "")
    phone = normalize_phone(request.GET.get("phone", "").replace("\x00", "")[:20])
    if unit_id.isdigit():
        unit = Unit.objects.filter(estate=estate, pk=unit_id).prefetch_related("residents").first()
        phone = ""
    elif phone:
        try:
            validate_phone(phone)
        except ValidationError:
            phone = ""
        unit = selectors.unit_of_phone(estate_id=estate.pk, phone=phone)
    history = selectors.unit_history(estate_id=estate.pk, unit=unit, phone=phone)
    context = {
        "unit": unit,
        "history": history,
        "unit_repairs": selectors.unit_repairs(unit=unit),
        "resident": _prefill(request, unit) if unit is not None else {},
        "fragment": True,
    }
    return render(request, "complaints/intake/_history.html", context)


# What the "this is a repair" switch carries to the repair form (repairs:new).
REPAIR_CARRIED = {"resident_name": "name", "resident_phone": "phone", "description": "description"}
CARRIED_DESCRIPTION = 500


def _repair_url(request: HttpRequest, unit: Unit | None, form: IntakeForm) -> str:
    """The repair form with the unit chosen and what was typed so far; the page's
    script keeps it up to date as the clerk types."""
    params: dict[str, Any] = {}
    if unit is not None:
        params["unit"] = unit.pk
    for field, param in REPAIR_CARRIED.items():
        value = form[field].value() if form.is_bound else form.initial.get(field)
        value = str(value or "").strip()
        if value:
            params[param] = value[:CARRIED_DESCRIPTION]
    if _estate_param(request):
        params["estate"] = _estate_param(request)
    url = reverse("repairs:new")
    return f"{url}?{urlencode(params)}" if params else url


def _prefill(request: HttpRequest, unit: Unit | None) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    category = request.GET.get("category", "")
    if category:
        initial["category"] = category
    if unit is not None:
        initial["unit_id"] = unit.pk
        residents = list(unit.residents.all())
        chosen = next((r for r in residents if str(r.pk) == request.GET.get("resident")), None)
        chosen = chosen or (residents[0] if len(residents) == 1 else None)
        if chosen is not None:
            initial.update(resident_name=chosen.name, resident_phone=chosen.phone)
    return initial
