"""The desk's repair form: the 《维修服务通知单》 recorded and sent on in one step, from a
call, a visit, the intake desk's "this is a repair" or a complaint; and a unit's repair
history as a fragment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from complaints.models import Complaint
from complaints.selectors import get_complaint_for_user, unit_lookup
from staff.access import (
    AuthenticatedHttpRequest,
    estates_for,
    has_capability,
    is_desk,
    profile_of,
)
from staff.models import Department, Estate, Unit
from staff.roles import USE_INTAKE_DESK
from staff.templatetags.staff_tags import person

from .. import services
from ..forms.desk import ASSIGN, HEAD, ROUND_ROBIN, RepairDeskForm
from ..models import RepairOrder, Source
from ..rows import unit_orders_read
from ..selectors import orders_for
from ..services.dispatching import on_shift, technicians
from ..services.permissions import is_engineering_head
from .common import read_required


def is_desk_anywhere(user) -> bool:
    return user.is_superuser or has_capability(user, USE_INTAKE_DESK)


# The unit's history beside the form and on the order page (SPEC §5: the same fault twice
# asks for its cause).
HISTORY_WINDOW = dt.timedelta(days=365)
HISTORY_LIMIT = 20


def unit_history(user, unit: Unit) -> list[RepairOrder]:
    """The unit's repair orders of the last 12 months that ``user`` may see, newest
    first: one query."""
    return list(
        unit_orders_read(
            orders_for(user).filter(unit=unit, reported_at__gte=timezone.now() - HISTORY_WINDOW)
        ).order_by("-reported_at", "-pk")[:HISTORY_LIMIT]
    )


def _own_estate(user) -> Estate | None:
    profile = profile_of(user)
    return profile.estate if profile is not None and profile.estate_id else None


def _desk_estate(request: HttpRequest) -> Estate | None:
    """The user's estate; a manager without one works at the estate of ``?estate=``."""
    own = _own_estate(request.user)
    if own is not None:
        return own
    chosen = request.GET.get("estate", "")
    if chosen:
        if not chosen.isdigit():
            raise Http404
        return get_object_or_404(estates_for(request.user), pk=chosen)
    return estates_for(request.user).first()


def _complaint(request: HttpRequest) -> Complaint | None:
    """``?complaint=``: one the user may open; another estate's is a 404."""
    raw = request.GET.get("complaint", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise Http404
    return get_complaint_for_user(request.user, int(raw))


def _param(request: HttpRequest, name: str, limit: int) -> str:
    return request.GET.get(name, "").replace("\x00", "").strip()[:limit]


def _prefill(
    request: HttpRequest, estate: Estate, complaint: Complaint | None
) -> tuple[dict[str, Any], Unit | None]:
    """What the form starts with: the complaint's matter, or what the intake desk
    carried (``?unit=``, ``?name=``, ``?phone=``, ``?description=``)."""
    if complaint is not None:
        initial: dict[str, Any] = {
            "description": complaint.description[:2000],
            "location": complaint.location,
        }
        if not complaint.anonymous:
            initial.update(
                resident_name=complaint.resident_name, resident_phone=complaint.resident_phone
            )
        unit = complaint.unit
    else:
        initial = {
            "resident_name": _param(request, "name", 50),
            "resident_phone": _param(request, "phone", 20),
            "description": _param(request, "description", 2000),
        }
        raw = request.GET.get("unit", "")
        unit = None
        if raw.isdigit() and len(raw) < 12:
            unit = Unit.objects.filter(estate=estate, pk=raw).prefetch_related("residents").first()
        if unit is not None and not (initial["resident_name"] or initial["resident_phone"]):
            residents = list(unit.residents.all())
            chosen = next((r for r in residents if str(r.pk) == request.GET.get("resident")), None)
            chosen = chosen or (residents[0] if len(residents) == 1 else None)
            if chosen is not None:
                initial.update(resident_name=chosen.name, resident_phone=chosen.phone)
    if unit is not None:
        initial["unit_id"] = unit.pk
    return initial, unit


def _carried_query(request: HttpRequest, complaint: Complaint | None) -> str:
    """``&estate=N&complaint=N`` for the unit lookup's links, which reload this page."""
    params = {}
    if request.GET.get("estate", "").isdigit():
        params["estate"] = request.GET["estate"]
    if complaint is not None:
        params["complaint"] = str(complaint.pk)
    return f"&{urlencode(params)}" if params else ""


def _service_error_field(message: str) -> str | None:
    """The form field a service refusal is about, where that is plain."""
    fields = {
        _("Write what is to be repaired."): "description",
        _("An appointment needs the agreed time."): "appointment_at",
        _("Choose urgent, special emergency or appointment."): "urgency",
        _("Give the unit or the place."): "location",
        _("Choose a technician of this estate's engineering department."): "technician",
        _("Nobody of engineering is on shift now: choose a technician or publish it."): (
            "dispatch"
        ),
        _("This estate has no engineering department to send it to."): "dispatch",
    }
    return fields.get(message)


def _save(
    actor: User, estate: Estate, complaint: Complaint | None, form: RepairDeskForm
) -> RepairOrder:
    """Report and dispatch in one transaction: a refused dispatch saves nothing."""
    data = form.cleaned_data
    mode = data["dispatch"]
    with transaction.atomic():
        order = services.repair_report(
            actor=actor,
            estate=estate,
            description=data["description"],
            urgency=data["urgency"],
            source=data.get("source") or Source.CALL,
            fault=data["fault"],
            unit=form.unit,
            location=data["location"],
            resident_name=data["resident_name"],
            resident_phone=data["resident_phone"],
            appointment_at=data["appointment_at"],
            kind=data["kind"],
            complaint=complaint,
        )
        if mode != HEAD:
            order = services.repair_dispatch(
                actor=actor,
                order_id=order.pk,
                technician=data.get("technician") if mode == ASSIGN else None,
                round_robin=mode == ROUND_ROBIN,
            )
    return order


def _saved_message(order: RepairOrder) -> str:
    if order.technician is not None:
        where = _("sent to %(name)s") % {"name": person(order.technician)}
    elif order.published:
        where = _("open to take for those on shift (抢单)")
    elif order.reported_by_id is not None and not is_desk(order.reported_by, order.estate_id):
        where = _("sent to the service desk to dispatch")
    else:
        where = _("waiting for the engineering head to dispatch it")
    return _("Repair order %(n)s saved: %(where)s.") % {"n": order.number, "where": where}


@require_http_methods(["GET", "POST"])
def new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The desk records and dispatches; any other staff member of the estate (a patrol,
    a technician, a head) reports, and the desk dispatches it."""
    if not (is_desk_anywhere(request.user) or profile_of(request.user) is not None):
        raise PermissionDenied
    complaint = _complaint(request)
    estate = complaint.estate if complaint is not None else _desk_estate(request)
    if estate is None or not services.repair_can_report(request.user, estate.pk):
        raise PermissionDenied
    can_dispatch = is_desk(request.user, estate.pk) or is_engineering_head(request.user, estate.pk)
    engineering = Department.objects.filter(estate=estate, kind=Department.Kind.ENGINEERING).first()
    crew = technicians(engineering.pk) if engineering is not None else []
    shift = {u.pk for u in on_shift(engineering.pk, timezone.now())} if engineering else set()
    initial, unit = _prefill(request, estate, complaint)
    form = RepairDeskForm(
        request.POST if request.method == "POST" else None,
        estate=estate,
        crew=crew,
        on_shift=shift,
        from_complaint=complaint is not None,
        can_dispatch=can_dispatch,
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                order = _save(request.user, estate, complaint, form)
            except services.RepairError as exc:
                form.add_error(_service_error_field(str(exc)), str(exc))
            else:
                messages.success(request, _saved_message(order))
                return redirect("repairs:detail", pk=order.pk)
        unit = form.unit
    term = _param(request, "q", 50)
    context = {
        "form": form,
        "estate": estate,
        "complaint": complaint,
        "unit": unit,
        "unit_orders": unit_history(request.user, unit) if unit is not None else [],
        "engineering": engineering,
        "on_shift_count": len(shift),
        "term": term,
        "lookup": unit_lookup(estate_id=estate.pk, term=term) if term else None,
        "estate_query": _carried_query(request, complaint),
        "estate_param": "" if _own_estate(request.user) else str(estate.pk),
    }
    return render(request, "repairs/new.html", context, status=400 if form.errors else 200)


@require_GET
@read_required
def history(request: AuthenticatedHttpRequest) -> HttpResponse:
    """``?unit=N``: the unit's repair orders of the last 12 months, an HTML fragment
    (beside the desk's form). ``&resident=N`` adds that resident's name and phone for the
    form's script to fill in."""
    raw = request.GET.get("unit", "")
    if not raw:
        return HttpResponse("")  # no unit chosen: nothing to show
    if not raw.isdigit() or len(raw) > 12:
        raise Http404
    units: QuerySet[Unit] = Unit.objects.filter(estate__in=estates_for(request.user))
    unit = get_object_or_404(units.prefetch_related("residents"), pk=raw)
    residents = list(unit.residents.all())
    resident = next((r for r in residents if str(r.pk) == request.GET.get("resident")), None)
    resident = resident or (residents[0] if len(residents) == 1 else None)
    context = {
        "unit_orders": unit_history(request.user, unit),
        "lookup_unit": unit,
        "lookup_resident": resident,
    }
    return render(request, "repairs/_unit_repairs.html", context)
