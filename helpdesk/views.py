"""The desk's screens for inquiries and help requests (咨询求助), the duty log (值班记录,
交接班) and the morning review. Recording and handling are for the service desk of the
estate; the estate's supervisors, director and the general manager read. Another
estate's request is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints.models import Complaint
from complaints.models import Status as ComplaintStatus
from complaints.selectors import unit_lookup
from staff.access import (
    AuthenticatedHttpRequest,
    estates_for,
    has_capability,
    is_desk,
    profile_of,
)
from staff.models import Estate, Unit
from staff.roles import USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW, Role

from . import services
from .forms import ActionForm, AnswerForm, DutyNoteForm, HandoverForm, ReferForm, RequestForm
from .models import DutyShift, Handover, Kind, Request, Status
from .selectors import morning_review, requests_for

PAGE_SIZE = 50


def _reader(user) -> bool:
    return has_capability(user, USE_INTAKE_DESK) or has_capability(user, VIEW_ESTATE_OVERVIEW)


def _estate(request: HttpRequest) -> Estate:
    """The user's estate; one working at several (the general manager, a manager)
    chooses with ``?estate=``. Not one they work at: 404; none at all: 403."""
    profile = profile_of(request.user)
    if profile is not None and profile.estate is not None:
        return profile.estate
    chosen = request.GET.get("estate", "")
    if chosen and not chosen.isdigit():
        raise Http404
    estates = estates_for(request.user).order_by("code")
    estate = get_object_or_404(estates, pk=chosen) if chosen else estates.first()
    if estate is None:  # no estate to work at
        raise PermissionDenied
    return estate


def _estate_query(request: HttpRequest) -> str:
    profile = profile_of(request.user)
    if profile is not None and profile.estate_id:
        return ""
    chosen = request.GET.get("estate", "")
    return f"&estate={chosen}" if chosen.isdigit() else ""


def _desk_people(estate: Estate):
    return (
        User.objects.filter(
            is_active=True,
            staff_profile__estate=estate,
            staff_profile__role__in=[Role.CLERK, Role.DUTY_OFFICER, Role.SUPERVISOR],
        )
        .select_related("staff_profile")
        .order_by("staff_profile__role", "username")
    )


# --- requests ----------------------------------------------------------------------------


def _unit(request: HttpRequest, estate: Estate) -> Unit | None:
    raw = request.GET.get("unit", "")
    if not (raw.isdigit() and len(raw) < 12):
        return None
    return Unit.objects.filter(estate=estate, pk=raw).prefetch_related("residents").first()


def _open_at_unit(unit: Unit) -> dict[str, list]:
    """What is open at the unit, with who took it first: a second report of the same
    matter is shown against that owner (首问负责制)."""
    return {
        "requests": list(
            Request.objects.filter(unit=unit, status=Status.OPEN)
            .select_related("received_by")
            .order_by("-received_at")[:10]
        ),
        "complaints": list(
            Complaint.objects.filter(unit=unit)
            .exclude(status=ComplaintStatus.CLOSED)
            .select_related("received_by")
            .order_by("-received_at")[:10]
        ),
    }


@require_http_methods(["GET", "POST"])
def new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not has_capability(request.user, USE_INTAKE_DESK):
        raise PermissionDenied
    estate = _estate(request)
    if not is_desk(request.user, estate.pk):
        raise PermissionDenied
    unit = _unit(request, estate)
    initial: dict[str, Any] = {}
    if request.GET.get("kind") in Kind.values:
        initial["kind"] = request.GET["kind"]
    if unit is not None:
        residents = list(unit.residents.all())
        chosen = next((r for r in residents if str(r.pk) == request.GET.get("resident")), None)
        chosen = chosen or (residents[0] if len(residents) == 1 else None)
        if chosen is not None:
            initial.update(resident_name=chosen.name, resident_phone=chosen.phone)
    form = RequestForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            r = services.request_receive(
                actor=request.user,
                estate=estate,
                kind=data["kind"],
                incident=data["incident"],
                channel=data["channel"],
                unit=unit,
                location=data["location"],
                resident_name=data["resident_name"],
                resident_phone=data["resident_phone"],
                question=data["question"],
                confidential=data["confidential"],
                answer=data["answer"],
            )
        except services.HelpdeskError as exc:
            form.add_error(None, str(exc))
        else:
            if r.alerted_at:
                messages.warning(
                    request,
                    _(
                        "%(n)s saved: the duty officers, the security head and the "
                        "office director have been alerted."
                    )
                    % {"n": r.number},
                )
            else:
                messages.success(request, _("%(n)s saved.") % {"n": r.number})
            return redirect("helpdesk:detail", pk=r.pk)
    term = (request.GET.get("q") or "")[:50].strip()
    context = {
        "form": form,
        "estate": estate,
        "unit": unit,
        "open_at_unit": _open_at_unit(unit) if unit is not None else None,
        "term": term,
        "lookup": unit_lookup(estate_id=estate.pk, term=term) if term else None,
        "estate_query": _estate_query(request),
    }
    return render(request, "helpdesk/new.html", context, status=400 if form.errors else 200)


def _request(user, pk: int) -> Request:
    r = (
        requests_for(user)
        .select_related(
            "estate", "unit", "received_by", "referred_to", "answered_by", "first_report"
        )
        .filter(pk=pk)
        .first()
    )
    if r is None:
        raise Http404
    return r


@require_GET
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not _reader(request.user):
        raise PermissionDenied
    r = _request(request.user, pk)
    supervisors = User.objects.filter(
        is_active=True,
        staff_profile__estate_id=r.estate_id,
        staff_profile__role__in=[Role.SUPERVISOR, Role.OFFICE_DIRECTOR],
    ).order_by("username")
    context = {
        "r": r,
        "events": list(r.events.select_related("actor")),
        "again": list(r.reported_again.select_related("received_by")),
        "can_refer": services.request_can_refer.allows(request.user, r),
        "can_act": services.request_can_act.allows(request.user, r),
        "refer_form": ReferForm(supervisors=supervisors),
        "action_form": ActionForm(),
        "answer_form": AnswerForm(),
        "now": timezone.now(),
    }
    return render(request, "helpdesk/detail.html", context)


@require_POST
def act(request: AuthenticatedHttpRequest, pk: int, verb: str) -> HttpResponse:
    if not has_capability(request.user, USE_INTAKE_DESK):
        raise PermissionDenied
    r = _request(request.user, pk)
    try:
        if verb == "refer":
            supervisors = User.objects.filter(is_active=True, staff_profile__estate_id=r.estate_id)
            form: Any = ReferForm(request.POST, supervisors=supervisors)
            if form.is_valid():
                services.request_refer(
                    actor=request.user, request_id=r.pk, supervisor=form.cleaned_data["supervisor"]
                )
                messages.success(request, _("The supervisor is asked: answer within five minutes."))
        elif verb == "action":
            form = ActionForm(request.POST)
            if form.is_valid():
                services.request_act(
                    actor=request.user,
                    request_id=r.pk,
                    note=form.cleaned_data["note"],
                    who_went=form.cleaned_data["who_went"],
                )
                messages.success(request, _("Recorded."))
        elif verb == "answer":
            form = AnswerForm(request.POST)
            if form.is_valid():
                services.request_answer(
                    actor=request.user, request_id=r.pk, answer=form.cleaned_data["answer"]
                )
                messages.success(request, _("Answered: the request is done."))
        else:
            raise Http404
        if not form.is_valid():
            messages.error(
                request, " ".join(str(e) for errors in form.errors.values() for e in errors)
            )
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.HelpdeskError as exc:
        messages.error(request, str(exc))
    return redirect("helpdesk:detail", pk=r.pk)


@require_GET
def request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not _reader(request.user):
        raise PermissionDenied
    estate = _estate(request)
    open_only = request.GET.get("open") == "1"
    qs = Request.objects.filter(estate=estate).select_related("received_by", "unit")
    if open_only:
        qs = qs.filter(status=Status.OPEN)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    rows = list(qs.order_by("-received_at", "-pk")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    context = {
        "estate": estate,
        "requests": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "open_only": open_only,
        "estate_query": _estate_query(request),
        "can_record": is_desk(request.user, estate.pk),
        "now": timezone.now(),
    }
    return render(request, "helpdesk/list.html", context)


# --- the duty log -------------------------------------------------------------------------


@require_GET
def duty(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not _reader(request.user):
        raise PermissionDenied
    estate = _estate(request)
    shift = (
        DutyShift.objects.filter(estate=estate, ended_at__isnull=True)
        .select_related("holder")
        .first()
    )
    pending = (
        Handover.objects.filter(from_shift=shift, confirmed_at__isnull=True)
        .select_related("by", "to")
        .first()
        if shift
        else None
    )
    mine = shift is not None and shift.holder_id == request.user.pk
    context = {
        "estate": estate,
        "shift": shift,
        "entries": list(shift.entries.select_related("actor")) if shift else [],
        "pending": pending,
        "mine": mine,
        "desk": is_desk(request.user, estate.pk),
        "note_form": DutyNoteForm(),
        "handover_form": HandoverForm(people=_desk_people(estate).exclude(pk=request.user.pk)),
        "recent": list(
            Handover.objects.filter(estate=estate, confirmed_at__isnull=False)
            .select_related("by", "to")
            .order_by("-confirmed_at")[:10]
        ),
        "estate_query": _estate_query(request),
    }
    return render(request, "helpdesk/duty.html", context)


@require_POST
def duty_act(request: AuthenticatedHttpRequest, verb: str) -> HttpResponse:
    if not has_capability(request.user, USE_INTAKE_DESK):
        raise PermissionDenied
    estate = _estate(request)
    if not is_desk(request.user, estate.pk):
        raise PermissionDenied
    raw = request.POST.get("target", "")
    target = int(raw) if raw.isdigit() and len(raw) < 12 else 0
    try:
        if verb == "open":
            services.shift_open(actor=request.user, estate=estate)
            messages.success(request, _("You are on duty."))
        elif verb == "note":
            form: Any = DutyNoteForm(request.POST)
            if form.is_valid():
                services.duty_note(
                    actor=request.user, shift_id=target, text=form.cleaned_data["text"]
                )
                messages.success(request, _("Recorded."))
        elif verb == "handover":
            form = HandoverForm(request.POST, people=_desk_people(estate))
            if form.is_valid():
                services.handover_write(
                    actor=request.user,
                    shift_id=target,
                    to=form.cleaned_data["to"],
                    watch=form.cleaned_data["watch"],
                )
                messages.success(request, _("Handed over: it is yours until they confirm it."))
        elif verb == "confirm":
            services.handover_confirm(actor=request.user, handover_id=target)
            messages.success(
                request, _("Confirmed: you are on duty, and what was handed over is yours.")
            )
        else:
            raise Http404
        if verb in ("note", "handover") and not form.is_valid():
            messages.error(
                request, " ".join(str(e) for errors in form.errors.values() for e in errors)
            )
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.HelpdeskError as exc:
        messages.error(request, str(exc))
    query = _estate_query(request)
    return redirect(reverse("helpdesk:duty") + (f"?{query[1:]}" if query else ""))


@require_GET
def review(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not _reader(request.user):
        raise PermissionDenied
    estate = _estate(request)
    try:
        day = parse_date(request.GET.get("day", "")[:10]) or timezone.localdate()
    except ValueError:  # a well-formed but impossible date
        day = timezone.localdate()
    context = {
        "estate": estate,
        "day": day,
        "previous": day - dt.timedelta(days=1),
        **morning_review(estate.pk, day),
        "estate_query": _estate_query(request),
        "on_duty": services.on_duty(estate.pk) if day == timezone.localdate() else None,
    }
    return render(request, "helpdesk/review.html", context)
