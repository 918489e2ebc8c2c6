"""One repair order: its page (the technician's on a phone, the desk's on a screen), its
printed 《维修服务通知单》 and 《维保工单》, its photos and signature, and the actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from casework.actions import Action
from complaints.models import Complaint
from staff import privacy
from staff.access import AuthenticatedHttpRequest
from staff.prepared import prepared

from .. import services
from ..forms.order import (
    CannotNowForm,
    CloseForm,
    ConfirmFeeForm,
    DispatchForm,
    FeeLineFormSet,
    FinishForm,
    NoteForm,
    OptionalNoteForm,
    PhotoForm,
    ReasonForm,
    ReworkForm,
    SignForm,
    TransferForm,
    WarrantyForm,
)
from ..models import RepairOrder
from ..rows import unit_orders_read
from .common import order_or_404, read_required


def _dispatch(u, o, d):
    mode = d["mode"]
    return services.repair_dispatch(
        actor=u,
        order_id=o.pk,
        technician=d["technician"] if mode == DispatchForm.ASSIGN else None,
        round_robin=mode == DispatchForm.ROUND_ROBIN,
    )


def _fees(u, o, d):
    lines = [
        services.Line(
            kind=f["kind"] or "material",
            item=f["item"],
            unit_price=f["unit_price"],
            quantity=f["quantity"],
        )
        for f in d["lines"]
    ]
    return services.repair_set_fees(actor=u, order_id=o.pk, lines=lines)


ACTIONS: dict[str, Action] = {
    "take": Action(
        gettext_lazy("Take it (接单)"),
        None,
        lambda u, o, d: services.repair_take(actor=u, order_id=o.pk),
        services.repair_can_take,
        "btn-primary btn-lg w-100",
    ),
    "arrive": Action(
        gettext_lazy("I have arrived (到场)"),
        None,
        lambda u, o, d: services.repair_arrive(actor=u, order_id=o.pk),
        services.repair_can_arrive,
        "btn-primary btn-lg w-100",
    ),
    "dispatch": Action(
        gettext_lazy("Dispatch (派单)"),
        DispatchForm,
        _dispatch,
        services.repair_can_dispatch,
        title=gettext_lazy("Dispatch to engineering (派单)"),
    ),
    "fees": Action(
        gettext_lazy("Save the fee lines"),
        FeeLineFormSet,
        _fees,
        services.repair_can_fees,
        "btn-outline-primary",
        title=gettext_lazy("Paid work: fee lines (有偿维修收费明细)"),
        collapsed=True,
    ),
    "confirm_fee": Action(
        gettext_lazy("The resident agrees to the fee"),
        ConfirmFeeForm,
        lambda u, o, d: services.repair_confirm_fee(
            actor=u, order_id=o.pk, resident_name=d["resident_name"]
        ),
        services.repair_can_confirm_fee,
        title=gettext_lazy("The resident confirms the fee (住户确认)"),
    ),
    "finish": Action(
        gettext_lazy("Work done (完工)"),
        FinishForm,
        lambda u, o, d: services.repair_finish(
            actor=u, order_id=o.pk, work_done=d["work_done"], parts=d["parts"]
        ),
        services.repair_can_finish,
        title=gettext_lazy("Record the work (维修情况)"),
    ),
    "sign": Action(
        gettext_lazy("Save the signature"),
        SignForm,
        lambda u, o, d: services.repair_sign(
            actor=u,
            order_id=o.pk,
            signed_name=d["signed_name"],
            unsigned_reason=d["unsigned_reason"],
            signature=d["signature"],
        ),
        services.repair_can_sign,
        title=gettext_lazy("The resident inspects and signs (住户验收签字)"),
    ),
    "photo": Action(
        gettext_lazy("Add the photo"),
        PhotoForm,
        lambda u, o, d: services.repair_add_photo(
            actor=u, order_id=o.pk, stage=d["stage"], data=d["image"].read()
        ),
        services.repair_can_photo,
        "btn-outline-primary",
        title=gettext_lazy("Photos before and after (照片)"),
        collapsed=True,
    ),
    "feedback": Action(
        gettext_lazy("Record the feedback"),
        OptionalNoteForm,
        lambda u, o, d: services.repair_feedback(actor=u, order_id=o.pk, note=d["note"]),
        services.repair_can_feedback,
        "btn-outline-primary",
        title=gettext_lazy("Feedback from the technician (完工反馈)"),
    ),
    "close": Action(
        gettext_lazy("Close"),
        CloseForm,
        lambda u, o, d: services.repair_close(
            actor=u, order_id=o.pk, note=d["note"], receipt_number=d.get("receipt_number", "")
        ),
        services.repair_can_close,
        title=gettext_lazy("Close the order (关闭)"),
    ),
    "phone_resident": Action(
        gettext_lazy("Resident phoned"),
        OptionalNoteForm,
        lambda u, o, d: services.repair_phone_resident(actor=u, order_id=o.pk, note=d["note"]),
        services.repair_can_phone_resident,
        title=gettext_lazy("Phone the resident: the reason and the promised time"),
    ),
    "chase": Action(
        gettext_lazy("Record the chase"),
        OptionalNoteForm,
        lambda u, o, d: services.repair_chase(actor=u, order_id=o.pk, note=d["note"]),
        services.repair_can_chase,
        "btn-outline-danger",
        title=gettext_lazy("The resident is chasing it (催单)"),
        collapsed=True,
    ),
    "cannot_now": Action(
        gettext_lazy("Cannot be done now"),
        CannotNowForm,
        lambda u, o, d: services.repair_cannot_now(actor=u, order_id=o.pk, **d),
        services.repair_can_cannot_now,
        "btn-outline-warning",
        title=gettext_lazy("Cannot be done now (暂时无法维修)"),
        collapsed=True,
    ),
    "not_a_repair": Action(
        gettext_lazy("Not a repair: close"),
        NoteForm,
        lambda u, o, d: services.repair_not_a_repair(actor=u, order_id=o.pk, note=d["note"]),
        services.repair_can_not_a_repair,
        "btn-outline-secondary",
        title=gettext_lazy("Not a repair: the correct use was shown (非维修)"),
        collapsed=True,
    ),
    "transfer": Action(
        gettext_lazy("Pass it on"),
        TransferForm,
        lambda u, o, d: services.repair_transfer(
            actor=u, order_id=o.pk, technician=d["technician"], reason=d["reason"]
        ),
        services.repair_can_transfer,
        "btn-outline-secondary",
        title=gettext_lazy("Pass to another technician (转单)"),
        collapsed=True,
    ),
    "hand_back": Action(
        gettext_lazy("Hand it back"),
        ReasonForm,
        lambda u, o, d: services.repair_hand_back(actor=u, order_id=o.pk, reason=d["reason"]),
        services.repair_can_hand_back,
        "btn-outline-secondary",
        title=gettext_lazy("Hand it back (退单)"),
        collapsed=True,
    ),
    "warranty": Action(
        gettext_lazy("Send to the contractor"),
        WarrantyForm,
        lambda u, o, d: services.repair_send_warranty(
            actor=u, order_id=o.pk, contractor=d["contractor"]
        ),
        services.repair_can_warranty,
        "btn-outline-secondary",
        title=gettext_lazy("Under warranty: 《维保工单》 to the contractor (保修)"),
        collapsed=True,
    ),
    "rework": Action(
        gettext_lazy("Order the rework"),
        ReworkForm,
        lambda u, o, d: services.repair_rework(actor=u, order_id=o.pk, **d),
        services.repair_can_rework,
        "btn-outline-danger",
        title=gettext_lazy("Not satisfied: rework (返工)"),
        collapsed=True,
    ),
}

# Forms drawn for a particular order (its technicians, its fee).
ORDER_FORMS = (DispatchForm, TransferForm, CloseForm)


def _action_form(action: Action, o: RepairOrder, data=None, files=None):
    assert action.form is not None
    if action.form is FeeLineFormSet:
        initial = [
            {"kind": f.kind, "item": f.item, "unit_price": f.unit_price, "quantity": f.quantity}
            for f in o.fee_lines.all()
        ]
        return FeeLineFormSet(data, initial=initial, prefix="fee")
    if action.form in ORDER_FORMS:
        return action.form(data, order=o)
    if action.form is PhotoForm:
        return PhotoForm(data, files)
    return action.form(data)


def _cleaned(form) -> dict[str, Any]:
    if isinstance(form, FeeLineFormSet):
        return {
            "lines": [f.cleaned_data for f in form.forms if f.has_changed() and not f.is_blank()]
        }
    return form.cleaned_data


def _number_of(model, column: str) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef(column)).values("number")[:1])


def _order(user, pk: int) -> RepairOrder:
    return order_or_404(
        user,
        pk,
        related=(
            "estate",
            "unit",
            "technician",
            "reported_by",
            "department",
        ),
        # Only the numbers of the complaint and of the order reworked are shown, read by
        # subqueries: joined, the two large tables made PostgreSQL weigh every order of
        # eight joins (~6 ms of planning a page, 0.6 ms this way).
        complaint_number=_number_of(Complaint, "complaint_id"),
        rework_of_number=_number_of(RepairOrder, "rework_of_id"),
    )


def unit_orders(o: RepairOrder) -> list[RepairOrder]:
    """The unit's other repair orders, newest first."""
    if o.unit_id is None:
        return []
    return _unit_orders(o.unit_id, o.pk)


# What the page reads of the order it has opened, each statement compiled once a process
# (casework.prepared): an order id apart, the same on every request.


@prepared(int, int)
def _unit_orders(unit_id: int, pk: int) -> QuerySet[RepairOrder]:
    return unit_orders_read(
        RepairOrder.objects.filter(unit_id=unit_id).exclude(pk=pk).order_by("-reported_at")
    )[:20]


@prepared(int)
def _log(pk: int) -> QuerySet:
    return RepairOrder(pk=pk).events.select_related("actor").order_by("at", "id")


@prepared(int)
def _fee_lines(pk: int) -> QuerySet:
    return RepairOrder(pk=pk).fee_lines.all()


@prepared(int)
def _photos(pk: int) -> QuerySet:
    return RepairOrder(pk=pk).photos.only("pk", "stage", "width", "height", "at")


@prepared(int)
def _reworks(pk: int) -> QuerySet:
    return RepairOrder(pk=pk).reworks.only("pk", "number", "status")


@prepared(int)
def _callbacks_of(pk: int) -> QuerySet:
    return (
        RepairOrder(pk=pk)
        .callbacks.select_related("done_by", "letter")
        .defer("signature")
        .annotate(signed=Q(signature__isnull=False))
        .order_by("-opened_at", "-pk")
    )


def _callbacks(o: RepairOrder) -> list:
    """The order's callbacks (回访), newest first, in one query. Read through the reverse
    relation (repairs does not import callbacks); the drawn signature stays in the
    database (it has its own URL), only whether there is one is read."""
    return _callbacks_of(o.pk)


def _context(request, o: RepairOrder, bound: dict | None = None) -> dict[str, Any]:
    bound = bound or {}
    actions = []
    for name, action in ACTIONS.items():
        if not action.allowed(request.user, o):
            continue
        form = bound.get(name)
        if form is None and action.form is not None:
            form = _action_form(action, o)
        actions.append(
            {
                "name": name,
                "action": action,
                "form": form,
                "title": action.title or action.label,
                "collapsed": action.collapsed and name not in bound,
                "formset": action.form is FeeLineFormSet,
                "multipart": action.form is PhotoForm,
            }
        )
    # The step at hand first, the occasional ones folded below it; the feedback is part
    # of closing once the order can close.
    if any(a["name"] == "close" for a in actions):
        actions = [a for a in actions if a["name"] != "feedback"]
    actions.sort(key=lambda a: a["collapsed"])
    return {
        "o": o,
        "actions": actions,
        "events": _log(o.pk),
        "fee_lines": _fee_lines(o.pk),
        "photos": _photos(o.pk),
        "unit_orders": unit_orders(o),
        "reworks": _reworks(o.pk),
        "callbacks": _callbacks(o),
        "now": timezone.now(),
    }


@require_GET
@read_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    o = _order(request.user, pk)
    return render(request, "repairs/detail.html", _context(request, o))


@require_POST
@read_required
def act(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise PermissionDenied
    o = _order(request.user, pk)
    data: dict[str, Any] = {}
    if spec.form is not None:
        form = _action_form(spec, o, request.POST, request.FILES)
        if not form.is_valid():
            context = _context(request, o, bound={action: form})
            return render(request, "repairs/detail.html", context, status=400)
        data = _cleaned(form)
    try:
        spec.run(request.user, o, data)
    except services.RepairError as exc:
        messages.error(request, str(exc))
        status = 403 if isinstance(exc, services.NotAllowed) else 409
        # What was typed comes back filled in, under the message saying why.
        bound = {action: form} if spec.form is not None else {}
        o = _order(request.user, pk)
        return render(request, "repairs/detail.html", _context(request, o, bound), status=status)
    messages.success(request, _("Done: %(a)s.") % {"a": spec.label})
    return redirect("repairs:detail", pk=o.pk)


@require_GET
@read_required
def print_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The 《维修服务通知单》 on A4, with the resident's signature."""
    o = _order(request.user, pk)
    context = {
        "o": o,
        "fee_lines": _fee_lines(o.pk),
        "callbacks": _callbacks(o),
        "now": timezone.now(),
        # The form carries the phone by design: in full (recorded) for who needs it.
        "contact": privacy.for_print(request.user, o),
    }
    return render(request, "repairs/print.html", context)


@require_GET
@read_required
def print_warranty(request: HttpRequest, pk: int) -> HttpResponse:
    """The 《维保工单》 sent to the warranty contractor."""
    o = _order(request.user, pk)
    context = {"o": o, "now": timezone.now(), "contact": privacy.for_print(request.user, o)}
    return render(request, "repairs/warranty.html", context)


@require_GET
@read_required
@cache_control(private=True, max_age=3600)
def signature(request: HttpRequest, pk: int) -> HttpResponse:
    o = order_or_404(request.user, pk)
    data = RepairOrder.objects.filter(pk=o.pk).values_list("signature", flat=True).first()
    if not data:
        return HttpResponse(status=404)
    return HttpResponse(bytes(data), content_type="image/png")


@require_GET
@read_required
@cache_control(private=True, max_age=86400)
def photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    o = order_or_404(request.user, pk)
    data = o.photos.filter(pk=photo_pk).values_list("image", flat=True).first()
    if data is None:
        return HttpResponse(status=404)
    return HttpResponse(bytes(data), content_type="image/jpeg")
