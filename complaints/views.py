"""Thin views: fetch through the scoping selector, validate with a form, call one
service, redirect. A refused action becomes a message; nothing is half-saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staff.access import (
    AuthenticatedHttpRequest,
    capability_required,
    estates_for,
    has_capability,
    profile_of,
)
from staff.models import Unit
from staff.roles import (
    REGRADE_COMPLAINTS,
    USE_DEPARTMENT_QUEUE,
    USE_INTAKE_DESK,
    VIEW_ESTATE_OVERVIEW,
)

from . import selectors, services
from .forms import (
    ComplaintFilterForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    HandleForm,
    InformForm,
    IntakeForm,
    NoteForm,
    OptionalNoteForm,
    ReasonForm,
    RegradeForm,
    RouteForm,
)
from .models import Complaint, Extension

PAGE_SIZE = 50
MAX_PAGE = 2000  # deeper than anyone pages; narrow the filters instead


def _can_read(user) -> bool:
    return (
        any(
            has_capability(user, cap)
            for cap in (USE_INTAKE_DESK, VIEW_ESTATE_OVERVIEW, USE_DEPARTMENT_QUEUE)
        )
        or user.is_superuser
    )


def read_required(view):
    def wrapped(request, *args, **kwargs):
        if not _can_read(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# --- intake ------------------------------------------------------------------------------


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


# --- lists -------------------------------------------------------------------------------


@require_GET
@capability_required(USE_DEPARTMENT_QUEUE)
def queue(request: HttpRequest) -> HttpResponse:
    page = _page_number(request)
    rows = selectors.page_rows(
        selectors.queue_for(request.user),
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        windowed=False,
    )
    return render(
        request,
        "complaints/queue.html",
        {
            "complaints": rows[:PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": "",
            "now": timezone.now(),
        },
    )


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return min(max(int(raw), 1), MAX_PAGE) if raw.isdigit() and len(raw) < 7 else 1


@require_GET
@read_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    estates = estates_for(request.user)
    form = ComplaintFilterForm(request.GET or None, estates=estates)
    filters = form.cleaned_data if form.is_valid() else {}
    page = _page_number(request)
    qs = selectors.complaint_list(request.user, filters=filters)
    newest_first = not filters.get("overdue")
    rows = selectors.page_rows(
        qs,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        windowed=bool(filters.get("q")) and newest_first,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "complaints/list.html",
        {
            "form": form,
            "show_estate": estates.count() > 1,
            "complaints": rows[:PAGE_SIZE],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
            "now": timezone.now(),
            "extensions": list(selectors.pending_extensions_for(request.user)[:50])
            if has_capability(request.user, REGRADE_COMPLAINTS)
            else [],
        },
    )


# --- one complaint -----------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    label: Any
    form: type | None
    run: Callable[..., Any]
    allowed: Callable[[Any, Complaint], bool]
    css: str = "btn-primary"


ACTIONS: dict[str, Action] = {
    "route": Action(
        gettext_lazy("Route (派单)"),
        RouteForm,
        lambda u, c, d: services.complaint_route(
            actor=u, complaint_id=c.pk, department=d["department"]
        ),
        services.complaint_can_route,
    ),
    "on_the_spot": Action(
        gettext_lazy("Resolved on the spot"),
        NoteForm,
        lambda u, c, d: services.complaint_close_on_the_spot(
            actor=u, complaint_id=c.pk, note=d["note"]
        ),
        services.complaint_can_close_at_intake,
        "btn-outline-success",
    ),
    "out_of_scope": Action(
        gettext_lazy("Out of scope"),
        NoteForm,
        lambda u, c, d: services.complaint_mark_out_of_scope(
            actor=u, complaint_id=c.pk, note=d["note"]
        ),
        services.complaint_can_close_at_intake,
        "btn-outline-secondary",
    ),
    "sign": Action(
        gettext_lazy("Sign for it (签收)"),
        None,
        lambda u, c, d: services.complaint_sign(actor=u, complaint_id=c.pk),
        services.complaint_can_sign,
    ),
    "handle": Action(
        gettext_lazy("Record the handling"),
        HandleForm,
        lambda u, c, d: services.complaint_handle(actor=u, complaint_id=c.pk, note=d["note"]),
        services.complaint_can_handle,
    ),
    "extend": Action(
        gettext_lazy("Ask for an extension"),
        ExtensionRequestForm,
        lambda u, c, d: services.extension_request(actor=u, complaint_id=c.pk, **d),
        services.complaint_can_extend,
        "btn-outline-warning",
    ),
    "inform": Action(
        gettext_lazy("Resident informed (回复)"),
        InformForm,
        lambda u, c, d: services.complaint_inform(
            actor=u, complaint_id=c.pk, method=d["method"], note=d["note"]
        ),
        services.complaint_can_inform,
    ),
    "close": Action(
        gettext_lazy("Close"),
        None,
        lambda u, c, d: services.complaint_close(actor=u, complaint_id=c.pk),
        services.complaint_can_close,
    ),
    "reopen": Action(
        gettext_lazy("Reopen"),
        ReasonForm,
        lambda u, c, d: services.complaint_reopen(actor=u, complaint_id=c.pk, reason=d["reason"]),
        services.complaint_can_reopen,
        "btn-outline-danger",
    ),
    "regrade": Action(
        gettext_lazy("Regrade"),
        RegradeForm,
        lambda u, c, d: services.complaint_regrade(
            actor=u, complaint_id=c.pk, grade=d["grade"], reason=d["reason"]
        ),
        services.complaint_can_regrade,
        "btn-outline-primary",
    ),
    "escalate": Action(
        gettext_lazy("Escalate"),
        OptionalNoteForm,
        lambda u, c, d: services.complaint_escalate(actor=u, complaint_id=c.pk, note=d["note"]),
        services.complaint_can_escalate,
        "btn-outline-danger",
    ),
    "note": Action(
        gettext_lazy("Add a note"),
        NoteForm,
        lambda u, c, d: services.complaint_add_note(actor=u, complaint_id=c.pk, note=d["note"]),
        services.complaint_can_add_note,
        "btn-outline-secondary",
    ),
}


def _action_form(action: Action, c: Complaint, data=None):
    """The action's form; the routing form needs the complaint for its departments."""
    if action.form is RouteForm:
        return RouteForm(data, complaint=c)
    assert action.form is not None
    return action.form(data)


def _detail_context(request, c: Complaint, bound: dict | None = None) -> dict:
    bound = bound or {}
    actions = []
    for name, action in ACTIONS.items():
        if not action.allowed(request.user, c):
            continue
        form = bound.get(name)
        if form is None and action.form is not None:
            form = _action_form(action, c)
        actions.append({"name": name, "action": action, "form": form})
    extensions = list(
        c.extensions.select_related("requested_by", "decided_by").order_by("requested_at")
    )
    return {
        "c": c,
        "events": c.events.select_related("actor").order_by("at", "id"),
        "actions": actions,
        "extensions": extensions,
        "decidable": [
            e
            for e in extensions
            if e.decision == Extension.Decision.PENDING
            and services.complaint_can_decide_extension(request.user, c)
        ],
        "decision_form": ExtensionDecisionForm(),
        "now": timezone.now(),
    }


@require_GET
@read_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.get_complaint_for_user(request.user, pk)
    return render(request, "complaints/detail.html", _detail_context(request, c))


@require_GET
@read_required
def print_form(request: HttpRequest, pk: int) -> HttpResponse:
    c = selectors.get_complaint_for_user(request.user, pk)
    events = c.events.select_related("actor").order_by("at", "id")
    return render(request, "complaints/print.html", {"c": c, "events": events})


@require_POST
@read_required
def act(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    c = selectors.get_complaint_for_user(request.user, pk)
    spec = ACTIONS.get(action)
    if spec is None:
        raise PermissionDenied
    data: dict = {}
    if spec.form is not None:
        form = _action_form(spec, c, request.POST)
        if not form.is_valid():
            context = _detail_context(request, c, bound={action: form})
            return render(request, "complaints/detail.html", context, status=400)
        data = form.cleaned_data
    try:
        spec.run(request.user, c, data)
    except services.ComplaintError as exc:
        messages.error(request, str(exc))
        status = 403 if isinstance(exc, services.NotAllowed) else 409
        c = selectors.get_complaint_for_user(request.user, pk)
        return render(request, "complaints/detail.html", _detail_context(request, c), status=status)
    messages.success(request, _("Done: %(a)s.") % {"a": spec.label})
    return redirect("complaints:detail", pk=c.pk)


@require_POST
@read_required
def decide_extension(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ext = get_object_or_404(
        Extension.objects.filter(complaint__in=selectors.complaints_for(request.user)), pk=pk
    )
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or refuse."))
        return redirect("complaints:detail", pk=ext.complaint_id)
    try:
        services.extension_decide(
            actor=request.user,
            extension_id=ext.pk,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except services.ComplaintError as exc:
        messages.error(request, str(exc))
        return redirect("complaints:detail", pk=ext.complaint_id)
    messages.success(request, _("Decision recorded."))
    return redirect("complaints:detail", pk=ext.complaint_id)
