"""The work on site: paid work's fee lines and the resident's confirmation, photos,
the warranty contractor's order (《维保工单》), and "not a repair"."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events, policy
from ..images import checked_photo
from ..models import FeeLine, Photo, RepairKind, RepairOrder, Status
from .base import RepairError, _lock, _move, _save, book_of, checked_text
from .permissions import CONFIRM_FEE, FEES, NOT_A_REPAIR, PHOTO, WARRANTY

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    """A fee line as written: text as typed, checked by ``repair_set_fees``."""

    kind: str
    item: str
    unit_price: str | Decimal
    quantity: str | Decimal


def _number(value: str | Decimal, what: str, n: int, most: int) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise RepairError(
            _("Line %(n)d: the %(what)s is not a number.") % {"n": n, "what": what}
        ) from None
    if not d.is_finite():
        raise RepairError(_("Line %(n)d: the %(what)s is not a number.") % {"n": n, "what": what})
    if d < 0:
        raise RepairError(
            _("Line %(n)d: the %(what)s cannot be negative.") % {"n": n, "what": what}
        )
    if d > most:
        raise RepairError(
            _("Line %(n)d: the %(what)s is more than %(most)d.")
            % {"n": n, "what": what, "most": most}
        )
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def _key(line: FeeLine) -> tuple[str, str, Decimal, Decimal]:
    return (line.kind, line.item, line.unit_price, line.quantity)


@transaction.atomic
def repair_set_fees(*, actor: User, order_id: int, lines: list[Line]) -> RepairOrder:
    """Write the fee lines of paid work (有偿维修: labour and materials, unit price ×
    quantity); the order becomes paid and the resident must confirm this total before
    the work. Changing the lines asks the resident again. No lines: free work again."""
    if len(lines) > policy.MAX_FEE_LINES:
        raise RepairError(_("At most %(n)d fee lines.") % {"n": policy.MAX_FEE_LINES})
    checked: list[FeeLine] = []
    for n, line in enumerate(lines, start=1):
        item = checked_text(line.item, 100)
        if not item:
            raise RepairError(_("Line %(n)d: write the item.") % {"n": n})
        if line.kind not in FeeLine.Kind.values:
            raise RepairError(_("Line %(n)d: labour or material.") % {"n": n})
        price = _number(line.unit_price, _("unit price"), n, policy.MAX_UNIT_PRICE)
        quantity = _number(line.quantity, _("quantity"), n, policy.MAX_QUANTITY)
        if quantity == 0:
            raise RepairError(_("Line %(n)d: the quantity must be more than 0.") % {"n": n})
        amount = (price * quantity).quantize(CENT, rounding=ROUND_HALF_UP)
        if amount > policy.MAX_AMOUNT:
            raise RepairError(
                _("Line %(n)d comes to %(amount)s 元: more than %(most)d 元 is not a repair fee.")
                % {"n": n, "amount": amount, "most": policy.MAX_AMOUNT}
            )
        checked.append(
            FeeLine(kind=line.kind, item=item, unit_price=price, quantity=quantity, amount=amount)
        )
    total = sum((line.amount for line in checked), Decimal("0.00"))
    if total > policy.MAX_TOTAL:
        raise RepairError(
            _("The lines come to %(total)s 元: more than %(most)d 元 is not a repair fee.")
            % {"total": total, "most": policy.MAX_TOTAL}
        )
    o = _lock(order_id)
    FEES.check(actor, o)
    before = [_key(line) for line in o.fee_lines.all()]
    o.fee_lines.all().delete()
    for fee_line in checked:
        fee_line.order = o
    FeeLine.objects.bulk_create(checked)
    o.fee_total = total
    # A fee makes the work paid; no fee (no lines, or lines of nothing to pay, such as
    # a part reused) leaves it free, or under warranty as it was.
    if total > 0:
        o.kind = RepairKind.PAID
    elif o.kind == RepairKind.PAID:
        o.kind = RepairKind.FREE
    fields = ["fee_total", "kind"]
    # The resident agreed to these lines: other lines, even of the same total, are
    # shown to the resident again.
    if before != [_key(line) for line in checked] or total == 0:
        o.fee_confirmed_at = None
        o.fee_confirmed_name = ""
        fields += ["fee_confirmed_at", "fee_confirmed_name"]
    o.save(update_fields=fields)
    events.record(
        events.fees(
            o,
            actor=actor,
            lines=[
                {
                    "item": line.item,
                    "unit_price": str(line.unit_price),
                    "quantity": str(line.quantity),
                    "amount": str(line.amount),
                }
                for line in checked
            ],
        )
    )
    return o


@transaction.atomic
def repair_confirm_fee(*, actor: User, order_id: int, resident_name: str) -> RepairOrder:
    """The resident saw the fee lines and the total and agrees, before the work starts."""
    resident_name = checked_text(resident_name, 50)
    if not resident_name:
        raise RepairError(_("Write the name of the resident who agreed to the fee."))
    o = _lock(order_id)
    CONFIRM_FEE.check(actor, o)
    o.fee_confirmed_at = timezone.now()
    o.fee_confirmed_name = resident_name
    o.save(update_fields=["fee_confirmed_at", "fee_confirmed_name"])
    events.record(events.fee_confirmed(o, actor=actor))
    return o


@transaction.atomic
def repair_add_photo(*, actor: User, order_id: int, stage: str, data: bytes) -> Photo:
    """A photo before or after the work."""
    if stage not in Photo.Stage.values:
        raise RepairError(_("Before or after the work?"))
    o = _lock(order_id)
    PHOTO.check(actor, o)  # before the image is decoded: outsiders cost nothing
    picture = checked_photo(data)
    if o.photos.count() >= policy.PHOTOS_PER_ORDER:
        raise RepairError(
            _("This order has %(n)d photos already: that is the most.")
            % {"n": policy.PHOTOS_PER_ORDER}
        )
    photo = Photo.objects.create(
        order=o,
        stage=stage,
        image=picture.data,
        width=picture.width,
        height=picture.height,
        taken_by=actor,
        at=timezone.now(),
    )
    events.record(events.photo(o, actor=actor, stage=stage, photo_id=photo.pk))
    return photo


@transaction.atomic
def repair_send_warranty(*, actor: User, order_id: int, contractor: str) -> RepairOrder:
    """Under warranty (保修): the work goes to the warranty contractor as a 《维保工单》
    (printed from the order); the order stays open until the work is signed for."""
    contractor = checked_text(contractor, 100)
    if not contractor:
        raise RepairError(_("Name the warranty contractor."))
    o = _lock(order_id)
    WARRANTY.check(actor, o)
    o.kind = RepairKind.WARRANTY
    o.warranty_contractor = contractor
    o.warranty_sent_at = timezone.now()
    o.save(update_fields=["kind", "warranty_contractor", "warranty_sent_at"])
    events.record(events.warranty_sent(o, actor=actor))
    return o


@transaction.atomic
def repair_not_a_repair(*, actor: User, order_id: int, note: str) -> RepairOrder:
    """Nothing is broken: the resident was shown the correct use (非维修), which closes
    the order."""
    note = checked_text(note)
    if not note:
        raise RepairError(_("Write what the resident was shown."))
    o = _lock(order_id)
    NOT_A_REPAIR.check(actor, o)
    _move(o, Status.CLOSED)
    now = timezone.now()
    o.kind = RepairKind.NOT_A_REPAIR
    o.work_done = note
    o.closed_at = now
    o.published = False
    _save(o, ["status", "kind", "work_done", "closed_at", "published"], book_of(o))
    events.record(events.not_a_repair(o, actor=actor))
    return o
