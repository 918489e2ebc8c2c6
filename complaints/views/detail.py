"""One complaint: its page, its print view, and the actions on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from staff.access import AuthenticatedHttpRequest

from .. import selectors, services
from ..forms import (
    ExtensionDecisionForm,
    ExtensionRequestForm,
    HandleForm,
    InformForm,
    NoteForm,
    OptionalNoteForm,
    ReasonForm,
    RegradeForm,
    RouteForm,
)
from ..models import Complaint, Extension
from .common import read_required


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
