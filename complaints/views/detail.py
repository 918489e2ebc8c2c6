"""One complaint: its page, its print view, and the actions on it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from casework.actions import Action
from staff import privacy
from staff.access import AuthenticatedHttpRequest, has_capability, is_desk, profile_of
from staff.prepared import prepared
from staff.roles import USE_DEPARTMENT_QUEUE, Role

from .. import policy, selectors, services
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
from ..forms.actions import CloseForm
from ..models import Complaint, EventKind, Extension, Status
from ..services.permissions import (
    complaint_can_close_over_repairs,
    open_repairs_refusal,
)
from .common import read_required, warn_if_nobody_is_told

ACTIONS: dict[str, Action] = {
    "route": Action(
        gettext_lazy("Route (派单)"),
        RouteForm,
        lambda u, c, d: services.complaint_route(
            actor=u, complaint_id=c.pk, department=d["department"]
        ),
        services.complaint_can_route,
        title=gettext_lazy("Route to a department (派单)"),
    ),
    "on_the_spot": Action(
        gettext_lazy("Resolved on the spot"),
        NoteForm,
        lambda u, c, d: services.complaint_close_on_the_spot(
            actor=u, complaint_id=c.pk, note=d["note"]
        ),
        services.complaint_can_close_at_intake,
        "btn-outline-success",
        title=gettext_lazy("Resolved on the spot (当场解决)"),
    ),
    "out_of_scope": Action(
        gettext_lazy("Out of scope"),
        NoteForm,
        lambda u, c, d: services.complaint_mark_out_of_scope(
            actor=u, complaint_id=c.pk, note=d["note"]
        ),
        services.complaint_can_close_at_intake,
        "btn-outline-secondary",
        title=gettext_lazy("Out of the company's scope (非公司职责范围)"),
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
        title=gettext_lazy("Handling and result (处理结果)"),
    ),
    "extend": Action(
        gettext_lazy("Ask for an extension"),
        ExtensionRequestForm,
        lambda u, c, d: services.extension_request(actor=u, complaint_id=c.pk, **d),
        services.complaint_can_extend,
        "btn-outline-warning",
        title=gettext_lazy("More time (申请延期)"),
        collapsed=True,
    ),
    "inform": Action(
        gettext_lazy("Resident informed (回复)"),
        InformForm,
        lambda u, c, d: services.complaint_inform(
            actor=u, complaint_id=c.pk, method=d["method"], note=d["note"]
        ),
        services.complaint_can_inform,
        title=gettext_lazy("Tell the resident the result (回复住户)"),
    ),
    "close": Action(
        gettext_lazy("Close"),
        CloseForm,
        lambda u, c, d: services.complaint_close(
            actor=u, complaint_id=c.pk, override_reason=d.get("override_reason", "")
        ),
        lambda u, c: services.complaint_can_close(u, c) or complaint_can_close_over_repairs(u, c),
    ),
    "reopen": Action(
        gettext_lazy("Reopen"),
        ReasonForm,
        lambda u, c, d: services.complaint_reopen(actor=u, complaint_id=c.pk, reason=d["reason"]),
        services.complaint_can_reopen,
        "btn-outline-danger",
        title=gettext_lazy("Reopen the complaint (重新打开)"),
        collapsed=True,
    ),
    "regrade": Action(
        gettext_lazy("Regrade"),
        RegradeForm,
        lambda u, c, d: services.complaint_regrade(
            actor=u, complaint_id=c.pk, grade=d["grade"], reason=d["reason"]
        ),
        services.complaint_can_regrade,
        "btn-outline-primary",
        title=gettext_lazy("Change the grade (重新定级)"),
        collapsed=True,
    ),
    "escalate": Action(
        gettext_lazy("Escalate"),
        OptionalNoteForm,
        lambda u, c, d: services.complaint_escalate(actor=u, complaint_id=c.pk, note=d["note"]),
        services.complaint_can_escalate,
        "btn-outline-danger",
        title=gettext_lazy("Escalate (上报)"),
    ),
    "note": Action(
        gettext_lazy("Add a note"),
        NoteForm,
        lambda u, c, d: services.complaint_add_note(actor=u, complaint_id=c.pk, note=d["note"]),
        services.complaint_can_add_note,
        "btn-outline-secondary",
        title=gettext_lazy("Note for the handling log (备注)"),
        collapsed=True,
    ),
}


# Forms drawn for a particular complaint (its departments, its grade).
COMPLAINT_FORMS = (RouteForm, RegradeForm)


def _action_form(action: Action, c: Complaint, data=None):
    assert action.form is not None
    if action.form in COMPLAINT_FORMS:
        return action.form(data, complaint=c)
    return action.form(data)


def _offer(name: str, action: Action, c: Complaint, form) -> dict[str, Any]:
    """One action as the page offers it: its heading, and whether it starts folded."""
    offer = {
        "name": name,
        "action": action,
        "form": form,
        "title": action.title or action.label,
        "collapsed": action.collapsed and not (form is not None and form.is_bound),
        "hint": "",
    }
    if name == "route" and c.department is not None:
        # Routed already: this is passing it on (转派), not a routing still owed.
        offer["title"] = _("Pass to another department (转派)")
        offer["hint"] = _("Now with %(d)s.") % {"d": c.department.name}
        offer["collapsed"] = not (form is not None and form.is_bound)
    elif name == "escalate" and c.grade in policy.ESCALATE_TO:
        offer["hint"] = _("To %(to)s.") % {"to": Role(policy.ESCALATE_TO[c.grade]).label}
    return offer


def _close_offer(offer: dict[str, Any], open_repairs: list[str]) -> dict[str, Any]:
    """Closing over open repair orders asks the reason; a plain close is one button."""
    if not open_repairs:
        return {**offer, "form": None}
    return {
        **offer,
        "title": _("Close while repair orders are open"),
        "hint": _("Open: %(numbers)s. The reason goes into the handling log.")
        % {"numbers": "、".join(open_repairs)},
        "css": "btn-outline-danger",
    }


def _repairs_context(request, c: Complaint) -> dict[str, Any]:
    """The complaint's repair orders (维修单), and why it cannot close while they are
    open. ``repair_orders`` is read through the reverse relation: complaints does not
    import repairs."""
    orders = _repair_orders(c.pk)
    open_repairs = [o.number for o in orders if o.closed_at is None]
    blocked = ""
    if open_repairs and c.status == Status.INFORMED:
        blocked = str(open_repairs_refusal(open_repairs))
    return {
        "repair_orders": orders,
        "open_repairs": open_repairs,
        "close_blocked": blocked,
        "can_create_repair": c.is_open and is_desk(request.user, c.estate_id),
    }


# What the page reads of the complaint it has opened, each statement compiled once a
# process (casework.prepared): one complaint id apart, the same on every request.


@prepared(int)
def _repair_orders(pk: int) -> QuerySet:
    return Complaint(pk=pk).repair_orders.select_related("technician").order_by("reported_at", "pk")


@prepared(int)
def _extensions(pk: int) -> QuerySet:
    return (
        Complaint(pk=pk)
        .extensions.select_related("requested_by", "decided_by")
        .order_by("requested_at")
    )


@prepared(int)
def _log(pk: int) -> QuerySet:
    return Complaint(pk=pk).events.select_related("actor").order_by("at", "id")


@prepared(int)
def _callbacks_of(pk: int) -> QuerySet:
    return (
        Complaint(pk=pk)
        .callbacks.select_related("done_by", "letter")
        .defer("signature")
        .annotate(signed=Q(signature__isnull=False))
        .order_by("-opened_at", "-pk")
    )


def _callbacks(c: Complaint) -> list:
    """The complaint's callbacks (回访), newest first, in one query. Read through the
    reverse relation (complaints does not import callbacks); the drawn signature stays
    in the database (it has its own URL), only whether there is one is read."""
    return _callbacks_of(c.pk)


def _detail_context(request, c: Complaint, bound: dict | None = None) -> dict:
    bound = bound or {}
    repairs = _repairs_context(request, c)
    actions = []
    for name, action in ACTIONS.items():
        if not action.allowed(request.user, c):
            continue
        form = bound.get(name)
        if form is None and action.form is not None:
            form = _action_form(action, c)
        offer = _offer(name, action, c, form)
        if name == "close":
            over = (
                repairs["open_repairs"] if complaint_can_close_over_repairs(request.user, c) else []
            )
            offer = _close_offer(offer, over)
        actions.append(offer)
    extensions = _extensions(c.pk)
    return {
        "c": c,
        "events": _log(c.pk),
        "actions": actions,
        "extensions": extensions,
        "decidable": [
            e
            for e in extensions
            if e.decision == Extension.Decision.PENDING
            and services.complaint_can_decide_extension(request.user, c)
        ],
        "decision_form": bound.get("decision") or ExtensionDecisionForm(),
        "now": timezone.now(),
        "callbacks": _callbacks(c),
        **repairs,
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
    events = _log(c.pk)
    context = {
        "c": c,
        "events": events,
        "now": timezone.now(),
        "callbacks": _callbacks(c),
        # The form carries the phone by design: in full (recorded) for who needs it.
        "contact": privacy.for_print(request.user, c),
    }
    return render(request, "complaints/print.html", context)


def _back(request: HttpRequest) -> str | None:
    """Where a form posted from a list (the queue's 签收) returns to: a page of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _home_list(user) -> str:
    return reverse(
        "complaints:queue" if has_capability(user, USE_DEPARTMENT_QUEUE) else "complaints:list"
    )


def _passed_on(request: AuthenticatedHttpRequest, pk: int, spec: Action) -> HttpResponse:
    """The user's department held the complaint and lost it to another department while
    the user acted (e.g. signing as the desk passed it on): say so, on the queue.
    Anyone else asking for a complaint they cannot open gets 404, as before."""
    profile = profile_of(request.user)
    if profile is None or profile.department_id is None or profile.estate_id is None:
        raise Http404
    c = (
        Complaint.objects.select_related("department")
        .filter(pk=pk, estate_id=profile.estate_id)
        .exclude(department_id=profile.department_id)
        .first()
    )
    held_it = (
        c is not None
        and c.events.filter(
            kind=EventKind.ROUTED, data__department_id=profile.department_id
        ).exists()
    )
    if c is None or not held_it:
        raise Http404
    messages.warning(
        request,
        _(
            "Complaint %(n)s was passed to %(d)s before your “%(a)s” went through; "
            "nothing was recorded."
        )
        % {"n": c.number, "d": c.department.name if c.department else "—", "a": spec.label},
    )
    return redirect(_home_list(request.user))


def _changed_under(request, c: Complaint) -> HttpResponse:
    """The clerk passed on a complaint that was signed for or passed on meanwhile."""
    messages.error(
        request,
        _(
            "Complaint %(n)s changed while you had it open: it is now %(s)s, with %(d)s. "
            "Nothing was changed; pass it on again if it still needs to go elsewhere."
        )
        % {
            "n": c.number,
            "s": c.get_status_display(),
            "d": c.department.name if c.department else "—",
        },
    )
    return render(request, "complaints/detail.html", _detail_context(request, c), status=409)


@require_POST
@read_required
def act(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise PermissionDenied
    try:
        c = selectors.get_complaint_for_user(request.user, pk)
    except Http404:
        return _passed_on(request, pk, spec)
    back = _back(request)
    data: dict = {}
    if spec.form is not None:
        form = _action_form(spec, c, request.POST)
        if not form.is_valid():
            context = _detail_context(request, c, bound={action: form})
            return render(request, "complaints/detail.html", context, status=400)
        if isinstance(form, RouteForm) and form.is_stale():
            return _changed_under(request, c)
        data = form.cleaned_data
    try:
        result = spec.run(request.user, c, data)
    except services.ComplaintError as exc:
        if not selectors.complaints_for(request.user).filter(pk=pk).exists():
            return _passed_on(request, pk, spec)
        messages.error(request, str(exc))
        if back:
            return redirect(back)
        status = 403 if isinstance(exc, services.NotAllowed) else 409
        c = selectors.get_complaint_for_user(request.user, pk)
        return render(request, "complaints/detail.html", _detail_context(request, c), status=status)
    if isinstance(result, Complaint):
        warn_if_nobody_is_told(request, result)
    if back:
        messages.success(request, _("%(n)s: %(a)s done.") % {"n": c.number, "a": spec.label})
        return redirect(back)
    messages.success(request, _("Done: %(a)s.") % {"a": spec.label})
    return redirect("complaints:detail", pk=c.pk)


@require_POST
@read_required
def decide_extension(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ext = get_object_or_404(
        Extension.objects.filter(complaint__in=selectors.complaints_for(request.user)), pk=pk
    )
    c = selectors.get_complaint_for_user(request.user, ext.complaint_id)
    if not services.complaint_can_decide_extension(request.user, c):
        raise PermissionDenied
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, c, bound={"decision": form})
        return render(request, "complaints/detail.html", context, status=400)
    try:
        services.extension_decide(
            actor=request.user,
            extension_id=ext.pk,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.ComplaintError as exc:
        messages.error(request, str(exc))
        return redirect("complaints:detail", pk=ext.complaint_id)
    messages.success(request, _("Decision recorded."))
    return redirect("complaints:detail", pk=ext.complaint_id)
