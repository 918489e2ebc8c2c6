"""The work on site, at the service level: paid work's fee lines and the resident's
confirmation, the receipt at the close, the signature drawn on the phone, photos, the
warranty contractor and "not a repair". Every refusal is matched by its message and
leaves the order as it was (no event, no row changed)."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation
from PIL import Image, ImageDraw

from repairs import policy, services
from repairs.models import (
    EventKind,
    FeeLine,
    Photo,
    RepairKind,
    RepairOrder,
    RepairOrderEvent,
    Status,
)
from repairs.services import Line
from tests.factories.repairs import advance, make_order


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Chinese ones are the catalog's."""
    with translation.override("en"):
        yield


SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)

ON_SITE = "Only the technician on this order, the service desk or the engineering head may do this."
DESK_OR_HEAD = "Only the service desk or the engineering head may do this."
AFTER_THE_WORK = "The fee is agreed before the work, not after it."
NOT_A_PHOTO = "This file is not a photo (JPEG, PNG or WebP)."
NOT_A_DRAWING = "The signature did not arrive as a drawing: sign again."
BEFORE_WORK = [Status.REPORTED, Status.DISPATCHED, Status.TAKEN, Status.ARRIVED]


def kinds(order: RepairOrder) -> list[str]:
    """The log in the order it was written (the clock may have been moved back)."""
    events = RepairOrderEvent.objects.filter(order=order).order_by("id")
    return list(events.values_list("kind", flat=True))


def last_event(order: RepairOrder) -> RepairOrderEvent:
    entry = RepairOrderEvent.objects.filter(order=order).order_by("id").last()
    assert entry is not None
    return entry


def snapshot(order: RepairOrder) -> dict[str, Any]:
    """Everything a service may write about the order: its row, log, fees and photos."""
    row = RepairOrder.objects.filter(pk=order.pk).values().get()
    row["signature"] = bytes(row["signature"]) if row["signature"] is not None else None
    return {
        "row": row,
        "events": list(RepairOrderEvent.objects.filter(order=order).values_list("pk", flat=True)),
        "fees": list(FeeLine.objects.filter(order=order).values()),
        "photos": list(Photo.objects.filter(order=order).values_list("pk", flat=True)),
    }


@contextmanager
def refused(
    order: RepairOrder, message: str, error: type[Exception] = services.RepairError
) -> Iterator[None]:
    """The block raises ``error`` with exactly ``message`` and saves nothing."""
    before = snapshot(order)
    with pytest.raises(error) as info:
        yield
    assert str(info.value) == message
    assert snapshot(order) == before  # nothing half-saved


def order_in(status: str, clerk, technician, **fields) -> RepairOrder:
    o = make_order(clerk=clerk, **fields)
    return advance(o, to=status, clerk=clerk, technician=technician)


def fees(actor, o: RepairOrder, *lines: Line) -> RepairOrder:
    return services.repair_set_fees(actor=actor, order_id=o.pk, lines=list(lines))


LABOUR = Line("labour", "人工费", "50", "1")
TAP = Line("material", "阀芯", "12.50", "2")


def paid_and_confirmed(status: str, clerk, technician) -> RepairOrder:
    """An order with confirmed fee lines (total 75.00), walked on to ``status``."""
    o = order_in(Status.ARRIVED, clerk, technician)
    fees(technician, o, LABOUR, TAP)
    services.repair_confirm_fee(actor=technician, order_id=o.pk, resident_name="张三")
    return advance(o, to=status, clerk=clerk, technician=technician)


# --- images -----------------------------------------------------------------------------


def encode(img: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def drawn_png(size: tuple[int, int] = (600, 240), mode: str = "RGB") -> bytes:
    """A signature as the phone sends it: a black stroke on white (or transparent)."""
    background: Any = "white" if mode == "RGB" else (0, 0, 0, 0)
    img = Image.new(mode, size, background)
    ImageDraw.Draw(img).line([(40, 180), (200, 60), (560, 150)], fill="black", width=6)
    return encode(img, "PNG")


def photo_jpeg(size: tuple[int, int] = (3000, 2000), **options: Any) -> bytes:
    img = Image.new("RGB", size, (200, 180, 160))
    ImageDraw.Draw(img).rectangle([(0, 0), (size[0] // 3, size[1] // 2)], fill=(20, 40, 200))
    return encode(img, "JPEG", **options)


# --- fee lines --------------------------------------------------------------------------


def test_fee_lines_amount_total_and_paid(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    fees(
        technician,
        o,
        LABOUR,
        TAP,
        Line("material", " 生料带 ", "3.33", "1.5"),  # 4.995 → 5.00
        Line("material", "螺丝", Decimal("0.20"), Decimal("3")),
    )
    o.refresh_from_db()
    rows = list(o.fee_lines.values_list("kind", "item", "unit_price", "quantity", "amount"))
    assert rows == [
        ("labour", "人工费", Decimal("50.00"), Decimal("1.00"), Decimal("50.00")),
        ("material", "阀芯", Decimal("12.50"), Decimal("2.00"), Decimal("25.00")),
        ("material", "生料带", Decimal("3.33"), Decimal("1.50"), Decimal("5.00")),
        ("material", "螺丝", Decimal("0.20"), Decimal("3.00"), Decimal("0.60")),
    ]
    assert (o.kind, o.fee_total) == (RepairKind.PAID, Decimal("80.60"))
    assert o.fee_confirmed_at is None and o.status == Status.ARRIVED
    entry = last_event(o)
    assert (entry.kind, entry.actor) == (EventKind.FEES, technician)
    assert entry.data["total"] == "80.60"
    assert entry.data["lines"][2] == {
        "item": "生料带",
        "unit_price": "3.33",
        "quantity": "1.50",
        "amount": "5.00",
    }


def test_prices_and_quantities_are_rounded_to_cents(clerk, technician):
    o = order_in(Status.TAKEN, clerk, technician)
    fees(
        technician,
        o,
        Line("material", "电线", "1.005", "2.5"),
        Line("labour", "工时", "7", "0.333"),
    )
    o.refresh_from_db()
    rows = list(o.fee_lines.values_list("unit_price", "quantity", "amount"))
    # 1.01 × 2.50 = 2.525 → 2.53; 7.00 × 0.33 = 2.31
    assert rows == [
        (Decimal("1.01"), Decimal("2.50"), Decimal("2.53")),
        (Decimal("7.00"), Decimal("0.33"), Decimal("2.31")),
    ]
    assert o.fee_total == Decimal("4.84")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (Line("material", "阀芯", "-1", "1"), "Line 2: the unit price cannot be negative."),
        (Line("material", "阀芯", "1", "-2"), "Line 2: the quantity cannot be negative."),
        (Line("material", "阀芯", "abc", "1"), "Line 2: the unit price is not a number."),
        (Line("material", "阀芯", "", "1"), "Line 2: the unit price is not a number."),
        (Line("material", "阀芯", "1", "two"), "Line 2: the quantity is not a number."),
        (Line("material", "阀芯", "NaN", "1"), "Line 2: the unit price is not a number."),
        (Line("material", "阀芯", "1", "Infinity"), "Line 2: the quantity is not a number."),
        (Line("material", "阀芯", "1", "0"), "Line 2: the quantity must be more than 0."),
        (Line("material", "阀芯", "1", "0.004"), "Line 2: the quantity must be more than 0."),
        (Line("material", "  ", "1", "1"), "Line 2: write the item."),
        (Line("tip", "小费", "1", "1"), "Line 2: labour or material."),
        (Line("material", "阀芯", "100000", "1"), "Line 2: the unit price is more than 99999."),
        (Line("material", "阀芯", "1", "10000"), "Line 2: the quantity is more than 9999."),
        (
            Line("material", "长" * 101, "1", "1"),
            "At most 100 characters, please (this is 101): say it briefly.",
        ),
    ],
)
def test_a_bad_fee_line_is_refused_and_nothing_changes(clerk, technician, bad, message):
    o = order_in(Status.ARRIVED, clerk, technician)
    fees(technician, o, LABOUR)  # what is there before
    with refused(o, message):
        fees(technician, o, TAP, bad)
    assert list(o.fee_lines.values_list("item", flat=True)) == ["人工费"]


def test_the_highest_price_and_quantity_are_accepted(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    fees(
        technician,
        o,
        Line("material", "整套设备", "99999", "1"),
        Line("labour", "工时", "1", "9999"),
    )
    o.refresh_from_db()
    assert o.fee_total == Decimal("109998.00")


def test_a_line_whose_amount_is_too_large_is_refused_with_a_message(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    with pytest.raises(services.RepairError):
        fees(technician, o, Line("material", "整套设备", "99999", "9999"))


def test_at_most_max_fee_lines(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    many = [Line("material", f"材料{n}", "1", "1") for n in range(policy.MAX_FEE_LINES + 1)]
    with refused(o, f"At most {policy.MAX_FEE_LINES} fee lines."):
        fees(technician, o, *many)
    fees(technician, o, *many[: policy.MAX_FEE_LINES])
    assert o.fee_lines.count() == policy.MAX_FEE_LINES


def test_changing_the_lines_after_confirmation_asks_the_resident_again(clerk, technician):
    o = paid_and_confirmed(Status.ARRIVED, clerk, technician)
    assert (o.fee_confirmed_name, o.fee_total) == ("张三", Decimal("75.00"))
    # The same lines sent again (the form saved twice): the confirmation stands.
    fees(technician, o, LABOUR, TAP)
    o.refresh_from_db()
    assert o.fee_confirmed_at is not None and o.fee_confirmed_name == "张三"
    # Another total: confirm again.
    fees(technician, o, LABOUR, TAP, Line("material", "软管", "20", "1"))
    o.refresh_from_db()
    assert (o.fee_confirmed_at, o.fee_confirmed_name) == (None, "")
    assert (o.kind, o.fee_total) == (RepairKind.PAID, Decimal("95.00"))
    with refused(o, "Paid work: write the fee lines and have the resident confirm the fee first."):
        services.repair_finish(actor=technician, order_id=o.pk, work_done="更换阀芯")
    services.repair_confirm_fee(actor=technician, order_id=o.pk, resident_name="张三")
    services.repair_finish(actor=technician, order_id=o.pk, work_done="更换阀芯")


def test_other_lines_with_the_same_total_ask_the_resident_again(clerk, technician):
    o = paid_and_confirmed(Status.ARRIVED, clerk, technician)  # 50 + 2 × 12.50
    fees(technician, o, Line("labour", "人工费", "25", "3"))  # 75.00 too
    o.refresh_from_db()
    assert o.fee_confirmed_at is None


def test_no_lines_makes_it_free_again(clerk, technician):
    o = paid_and_confirmed(Status.ARRIVED, clerk, technician)
    fees(technician, o)
    o.refresh_from_db()
    assert (o.kind, o.fee_total) == (RepairKind.FREE, Decimal("0.00"))
    assert (o.fee_confirmed_at, o.fee_confirmed_name) == (None, "")
    assert not o.fee_lines.exists()
    entry = last_event(o)
    assert (entry.kind, entry.data["total"], entry.data["lines"]) == (EventKind.FEES, "0.00", [])
    # Free work is finished without a confirmation.
    services.repair_finish(actor=technician, order_id=o.pk, work_done="调整阀门")


@pytest.mark.parametrize("status", [Status.FINISHED, Status.SIGNED, Status.CLOSED])
def test_fee_lines_are_refused_after_the_work(clerk, technician, status):
    o = order_in(status, clerk, technician)
    with refused(o, AFTER_THE_WORK, services.IllegalTransition):
        fees(technician, o, LABOUR)
    with refused(o, AFTER_THE_WORK, services.IllegalTransition):
        fees(clerk, o, LABOUR)
    assert not services.repair_can_fees(technician, o)


@pytest.mark.parametrize("status", BEFORE_WORK)
def test_fee_lines_before_the_work_by_the_desk_or_head(clerk, technician, dept_head, status):
    o = order_in(status, clerk, technician)
    for who in (clerk, dept_head):
        assert services.repair_can_fees(who, o)
        fees(who, o, LABOUR)
    o.refresh_from_db()
    assert o.kind == RepairKind.PAID


def test_who_writes_the_fee_lines(clerk, technician, dept_head, tech2, tech_jr, other_clerk):
    o = order_in(Status.ARRIVED, clerk, technician)
    for outsider in (tech2, tech_jr, other_clerk):
        assert not services.repair_can_fees(outsider, o)
        with refused(o, ON_SITE, services.NotAllowed):
            fees(outsider, o, LABOUR)
    for who in (technician, clerk, dept_head):
        assert services.repair_can_fees(who, o)
        fees(who, o, LABOUR, TAP)
    assert kinds(o).count(EventKind.FEES) == 3


def test_a_published_order_has_no_technician_to_write_fees(clerk, technician):
    o = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=o.pk)  # open to take
    o.refresh_from_db()
    with refused(o, ON_SITE, services.NotAllowed):
        fees(technician, o, LABOUR)


# --- the resident confirms the fee ------------------------------------------------------


def test_confirm_fee_records_the_name_and_the_time(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    fees(technician, o, LABOUR, TAP)
    with time_machine.travel(T0, tick=False):
        services.repair_confirm_fee(actor=technician, order_id=o.pk, resident_name=" 张三 ")
    o.refresh_from_db()
    assert (o.fee_confirmed_at, o.fee_confirmed_name) == (T0, "张三")
    entry = last_event(o)
    assert (entry.kind, entry.actor, entry.at) == (EventKind.FEE_CONFIRMED, technician, T0)
    assert entry.data == {"total": "75.00", "resident": "张三"}


def test_confirm_fee_needs_lines_and_a_name_and_happens_once(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    no_fee = "There is no fee to confirm: write the fee lines first."
    with refused(o, no_fee, services.IllegalTransition):
        services.repair_confirm_fee(actor=technician, order_id=o.pk, resident_name="张三")
    fees(technician, o, LABOUR)
    with refused(o, "Write the name of the resident who agreed to the fee."):
        services.repair_confirm_fee(actor=technician, order_id=o.pk, resident_name="  ")
    services.repair_confirm_fee(actor=technician, order_id=o.pk, resident_name="张三")
    o.refresh_from_db()
    with refused(o, "The resident already confirmed the fee.", services.Conflict):
        services.repair_confirm_fee(actor=clerk, order_id=o.pk, resident_name="李四")
    assert kinds(o).count(EventKind.FEE_CONFIRMED) == 1


def test_zero_priced_lines_have_no_fee_to_confirm(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    fees(technician, o, Line("material", "旧件利用", "0", "1"))
    o.refresh_from_db()
    # Nothing to pay (a part reused): the work stays free, the line is its record.
    assert (o.kind, o.fee_total) == (RepairKind.FREE, Decimal("0.00"))
    with refused(
        o, "There is no fee to confirm: write the fee lines first.", services.IllegalTransition
    ):
        services.repair_confirm_fee(actor=technician, order_id=o.pk, resident_name="张三")


def test_zero_priced_lines_do_not_block_the_work(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    fees(technician, o, Line("material", "旧件利用", "0", "1"))
    services.repair_finish(actor=technician, order_id=o.pk, work_done="利用旧件")


def test_who_confirms_the_fee(clerk, technician, dept_head, tech2, other_clerk):
    o = order_in(Status.ARRIVED, clerk, technician)
    fees(technician, o, LABOUR)
    o.refresh_from_db()
    for outsider in (tech2, other_clerk):
        assert not services.repair_can_confirm_fee(outsider, o)
        with refused(o, ON_SITE, services.NotAllowed):
            services.repair_confirm_fee(actor=outsider, order_id=o.pk, resident_name="张三")
    for who in (clerk, dept_head, technician):
        assert services.repair_can_confirm_fee(who, o)


def test_the_fee_is_not_confirmed_after_the_work(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    fees(technician, o, LABOUR)
    services.repair_confirm_fee(actor=technician, order_id=o.pk, resident_name="张三")
    services.repair_finish(actor=technician, order_id=o.pk, work_done="x")
    o.refresh_from_db()
    o.fee_confirmed_at = None  # as if it had not been agreed: the time to agree is gone
    o.save(update_fields=["fee_confirmed_at"])
    with refused(o, AFTER_THE_WORK, services.IllegalTransition):
        services.repair_confirm_fee(actor=technician, order_id=o.pk, resident_name="张三")


# --- finishing paid work ----------------------------------------------------------------

UNCONFIRMED = "Paid work: write the fee lines and have the resident confirm the fee first."


def test_paid_work_is_finished_only_on_a_confirmed_fee(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    fees(technician, o, LABOUR, TAP)
    o.refresh_from_db()
    with refused(o, UNCONFIRMED):
        services.repair_finish(actor=technician, order_id=o.pk, work_done="更换阀芯")
    with refused(o, UNCONFIRMED):
        services.repair_finish(
            actor=technician, order_id=o.pk, work_done="更换阀芯", kind=RepairKind.PAID
        )
    services.repair_confirm_fee(actor=technician, order_id=o.pk, resident_name="张三")
    services.repair_finish(actor=technician, order_id=o.pk, work_done="更换阀芯")
    o.refresh_from_db()
    assert (o.status, o.kind, o.fee_total) == (Status.FINISHED, RepairKind.PAID, Decimal("75.00"))


def test_finishing_as_paid_needs_a_confirmed_fee(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    assert o.kind == RepairKind.FREE
    with refused(o, UNCONFIRMED):
        services.repair_finish(
            actor=technician, order_id=o.pk, work_done="更换阀芯", kind=RepairKind.PAID
        )
    with refused(o, "Choose the kind of repair."):
        services.repair_finish(
            actor=technician, order_id=o.pk, work_done="x", kind=RepairKind.NOT_A_REPAIR
        )
    services.repair_finish(
        actor=technician, order_id=o.pk, work_done="更换阀芯", kind=RepairKind.WARRANTY
    )
    o.refresh_from_db()
    assert (o.status, o.kind) == (Status.FINISHED, RepairKind.WARRANTY)


# --- closing: the receipt and the desk's feedback ---------------------------------------


def test_paid_work_closes_with_its_receipt_number(clerk, technician):
    o = paid_and_confirmed(Status.SIGNED, clerk, technician)
    with refused(o, "Paid work: give the receipt number of the fee."):
        services.repair_close(actor=clerk, order_id=o.pk)
    with refused(o, "Paid work: give the receipt number of the fee."):
        services.repair_close(actor=clerk, order_id=o.pk, receipt_number="   ")
    before = kinds(o)
    services.repair_close(actor=clerk, order_id=o.pk, receipt_number=" NO.0012345 ")
    o.refresh_from_db()
    assert (o.status, o.receipt_number) == (Status.CLOSED, "NO.0012345")
    assert kinds(o)[len(before) :] == [EventKind.PAID, EventKind.FEEDBACK, EventKind.CLOSED]
    paid = RepairOrderEvent.objects.get(order=o, kind=EventKind.PAID)
    assert paid.data == {"total": "75.00", "receipt": "NO.0012345"}
    assert paid.actor == clerk


def test_free_work_closes_without_a_receipt(clerk, technician):
    o = order_in(Status.SIGNED, clerk, technician)
    services.repair_close(actor=clerk, order_id=o.pk, receipt_number="NO.1")
    o.refresh_from_db()
    assert o.status == Status.CLOSED and o.receipt_number == ""
    assert EventKind.PAID not in kinds(o)


def test_closing_is_the_desks_feedback_when_none_was_recorded(clerk, technician):
    o = order_in(Status.SIGNED, clerk, technician)
    assert o.feedback_at is None
    with time_machine.travel(T0, tick=False):
        services.repair_close(actor=clerk, order_id=o.pk, note="住户满意")
    o.refresh_from_db()
    assert (o.feedback_at, o.closed_at) == (T0, T0)
    assert kinds(o)[-2:] == [EventKind.FEEDBACK, EventKind.CLOSED]
    assert kinds(o).count(EventKind.FEEDBACK) == 1
    assert last_event(o).note == "住户满意"


def test_closing_after_the_feedback_does_not_record_it_again(clerk, technician):
    o = order_in(Status.FINISHED, clerk, technician)
    with time_machine.travel(T0, tick=False):
        services.repair_feedback(actor=clerk, order_id=o.pk, note="已修好")
    o = advance(o, to=Status.CLOSED, clerk=clerk, technician=technician)
    assert o.feedback_at == T0
    assert kinds(o).count(EventKind.FEEDBACK) == 1
    assert kinds(o)[-1] == EventKind.CLOSED


# --- the signature drawn on the phone ---------------------------------------------------


def test_a_drawn_signature_is_kept_as_a_greyscale_png(clerk, technician):
    o = order_in(Status.FINISHED, clerk, technician)
    data = drawn_png()
    services.repair_sign(actor=technician, order_id=o.pk, signature=data)
    o.refresh_from_db()
    assert o.status == Status.SIGNED and o.signed_on_screen
    assert (o.signed_name, o.unsigned_reason) == ("", "")
    stored = bytes(o.signature)
    assert stored != data  # re-encoded, not the upload as it came
    img = Image.open(io.BytesIO(stored))
    assert (img.format, img.mode, img.size) == ("PNG", "L", (600, 240))
    assert img.getextrema() == (0, 255)
    entry = last_event(o)
    assert (entry.kind, entry.data["drawn"], entry.data["signed_name"]) == (
        EventKind.SIGNED,
        True,
        None,
    )


def test_a_drawing_on_a_transparent_canvas_is_flattened_on_white(clerk, technician):
    o = order_in(Status.FINISHED, clerk, technician)
    services.repair_sign(actor=clerk, order_id=o.pk, signature=drawn_png(mode="RGBA"))
    o.refresh_from_db()
    img = Image.open(io.BytesIO(bytes(o.signature)))
    assert img.mode == "L"
    assert img.getpixel((5, 5)) == 255  # the transparent background is white
    assert img.getextrema()[0] < 50  # and the stroke is still dark


def test_a_typed_name_is_not_signed_on_screen(clerk, technician):
    o = order_in(Status.FINISHED, clerk, technician)
    services.repair_sign(actor=technician, order_id=o.pk, signed_name="张三")
    o.refresh_from_db()
    assert o.signed_at is not None and not o.signed_on_screen and o.signature is None


def _random_png_too_big() -> bytes:
    noise = Image.frombytes("RGB", (600, 240), os.urandom(600 * 240 * 3))
    data = encode(noise, "PNG")
    assert len(data) > policy.SIGNATURE_MAX_BYTES
    return data


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: encode(Image.new("RGB", (600, 240), "white"), "PNG"),
            "The signature is empty: the resident signs in the box.",
        ),
        (
            lambda: encode(Image.new("RGBA", (600, 240), (0, 0, 0, 0)), "PNG"),
            "The signature is empty: the resident signs in the box.",
        ),
        (
            lambda: encode(Image.open(io.BytesIO(drawn_png())).convert("RGB"), "JPEG"),
            NOT_A_DRAWING,
        ),
        (lambda: os.urandom(4096), NOT_A_DRAWING),
        (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, NOT_A_DRAWING),  # a PNG header only
        (_random_png_too_big, "The signature image is too large."),
        (
            lambda: drawn_png(size=(10, 10)),
            "The signature image has an odd size: sign again, please.",
        ),
        (
            lambda: drawn_png(size=(2400, 240)),
            "The signature image has an odd size: sign again, please.",
        ),
    ],
    ids=[
        "empty",
        "empty-transparent",
        "jpeg",
        "random",
        "truncated",
        "too-big",
        "tiny",
        "too-wide",
    ],
)
def test_a_bad_drawing_is_refused(clerk, technician, make, message):
    o = order_in(Status.FINISHED, clerk, technician)
    with refused(o, message):
        services.repair_sign(actor=technician, order_id=o.pk, signature=make())


def test_a_signature_that_is_just_too_big_is_refused(clerk, technician):
    o = order_in(Status.FINISHED, clerk, technician)
    with refused(o, "The signature image is too large."):
        services.repair_sign(
            actor=technician,
            order_id=o.pk,
            signature=drawn_png() + b"\x00" * policy.SIGNATURE_MAX_BYTES,
        )


def test_no_name_no_reason_no_drawing_is_refused(clerk, technician):
    o = order_in(Status.FINISHED, clerk, technician)
    message = "The resident signs, or give the reason there is no signature."
    with refused(o, message):
        services.repair_sign(actor=technician, order_id=o.pk)
    with refused(o, message):
        services.repair_sign(
            actor=technician, order_id=o.pk, signed_name=" ", unsigned_reason=" ", signature=b""
        )


# --- photos -----------------------------------------------------------------------------


def test_a_photo_is_kept_as_a_smaller_jpeg(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    data = photo_jpeg((3000, 2000))
    with time_machine.travel(T0, tick=False):
        photo = services.repair_add_photo(
            actor=technician, order_id=o.pk, stage=Photo.Stage.BEFORE, data=data
        )
    photo.refresh_from_db()
    img = Image.open(io.BytesIO(bytes(photo.image)))
    assert img.format == "JPEG" and img.mode == "RGB"
    assert max(img.size) == policy.PHOTO_MAX_SIDE
    assert img.size == (photo.width, photo.height)
    assert photo.width == policy.PHOTO_MAX_SIDE and 1066 <= photo.height <= 1067
    assert (photo.order, photo.stage, photo.taken_by, photo.at) == (
        o,
        Photo.Stage.BEFORE,
        technician,
        T0,
    )
    entry = last_event(o)
    assert (entry.kind, entry.actor, entry.data) == (
        EventKind.PHOTO,
        technician,
        {"stage": "before", "photo_id": photo.pk},
    )


def test_a_small_photo_keeps_its_size_and_loses_its_exif(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # Make
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to show it upright
    data = photo_jpeg((300, 200), exif=exif.tobytes())
    photo = services.repair_add_photo(
        actor=technician, order_id=o.pk, stage=Photo.Stage.AFTER, data=data
    )
    img = Image.open(io.BytesIO(bytes(photo.image)))
    assert (photo.width, photo.height) == img.size == (200, 300)  # turned upright
    assert not img.getexif()


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_photos_are_kept_as_jpeg(clerk, technician, fmt):
    o = order_in(Status.ARRIVED, clerk, technician)
    data = encode(Image.new("RGBA", (640, 480), (10, 200, 10, 128)), fmt)
    photo = services.repair_add_photo(
        actor=clerk, order_id=o.pk, stage=Photo.Stage.BEFORE, data=data
    )
    assert Image.open(io.BytesIO(bytes(photo.image))).format == "JPEG"
    assert (photo.width, photo.height) == (640, 480)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("报修单：厨房水龙头漏水\n".encode() * 20, NOT_A_PHOTO),
        (b"GIF89a" + b"\x00" * 100, NOT_A_PHOTO),
        (b"", "Choose a photo."),
    ],
    ids=["text", "gif-header", "empty"],
)
def test_what_is_not_a_photo_is_refused(clerk, technician, data, message):
    o = order_in(Status.ARRIVED, clerk, technician)
    with refused(o, message):
        services.repair_add_photo(
            actor=technician, order_id=o.pk, stage=Photo.Stage.BEFORE, data=data
        )


def test_a_gif_is_not_accepted(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    with refused(o, NOT_A_PHOTO):
        services.repair_add_photo(
            actor=technician,
            order_id=o.pk,
            stage=Photo.Stage.BEFORE,
            data=encode(Image.new("RGB", (100, 100), "red"), "GIF"),
        )


def test_a_photo_too_large_is_refused(clerk, technician, monkeypatch):
    monkeypatch.setattr(policy, "PHOTO_MAX_BYTES", 1024 * 1024)
    o = order_in(Status.ARRIVED, clerk, technician)
    with refused(o, "The photo is 1.5 MB: at most 1 MB, please."):
        services.repair_add_photo(
            actor=technician,
            order_id=o.pk,
            stage=Photo.Stage.BEFORE,
            data=os.urandom(1024 * 1024 + 512 * 1024),
        )
    # One byte under the limit is decoded (and this one is no photo).
    with refused(o, NOT_A_PHOTO):
        services.repair_add_photo(
            actor=technician, order_id=o.pk, stage=Photo.Stage.BEFORE, data=b"x" * 1024 * 1024
        )


def test_a_photo_needs_its_stage(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    with refused(o, "Before or after the work?"):
        services.repair_add_photo(
            actor=technician, order_id=o.pk, stage="during", data=photo_jpeg((64, 48))
        )


def test_at_most_photos_per_order(clerk, technician, monkeypatch):
    monkeypatch.setattr(policy, "PHOTOS_PER_ORDER", 2)
    o = order_in(Status.ARRIVED, clerk, technician)
    small = photo_jpeg((64, 48))
    for stage in (Photo.Stage.BEFORE, Photo.Stage.AFTER):
        services.repair_add_photo(actor=technician, order_id=o.pk, stage=stage, data=small)
    with refused(o, "This order has 2 photos already: that is the most."):
        services.repair_add_photo(
            actor=technician, order_id=o.pk, stage=Photo.Stage.AFTER, data=small
        )
    assert kinds(o).count(EventKind.PHOTO) == 2


@pytest.mark.parametrize("status", [Status.FINISHED, Status.SIGNED])
def test_photos_after_the_work_until_closed(clerk, technician, status):
    o = order_in(status, clerk, technician)
    services.repair_add_photo(
        actor=technician, order_id=o.pk, stage=Photo.Stage.AFTER, data=photo_jpeg((64, 48))
    )
    o = advance(o, to=Status.CLOSED, clerk=clerk, technician=technician)
    assert not services.repair_can_photo(technician, o)
    with refused(o, f"Repair order {o.number} is closed.", services.IllegalTransition):
        services.repair_add_photo(
            actor=technician, order_id=o.pk, stage=Photo.Stage.AFTER, data=photo_jpeg((64, 48))
        )


def test_who_adds_photos(clerk, technician, dept_head, tech2, tech_jr, other_clerk):
    o = order_in(Status.ARRIVED, clerk, technician)
    small = photo_jpeg((64, 48))
    for outsider in (tech2, tech_jr, other_clerk):
        assert not services.repair_can_photo(outsider, o)
        with refused(o, ON_SITE, services.NotAllowed):
            services.repair_add_photo(
                actor=outsider, order_id=o.pk, stage=Photo.Stage.BEFORE, data=small
            )
    for who in (technician, clerk, dept_head):
        assert services.repair_can_photo(who, o)
        services.repair_add_photo(actor=who, order_id=o.pk, stage=Photo.Stage.BEFORE, data=small)
    assert list(o.photos.values_list("taken_by", flat=True)) == [
        technician.pk,
        clerk.pk,
        dept_head.pk,
    ]


# --- the warranty contractor ------------------------------------------------------------


@pytest.mark.parametrize("status", BEFORE_WORK)
def test_sent_to_the_warranty_contractor(clerk, technician, status):
    o = order_in(status, clerk, technician)
    with time_machine.travel(T0, tick=False):
        services.repair_send_warranty(actor=clerk, order_id=o.pk, contractor=" 美的售后 ")
    o.refresh_from_db()
    assert (o.kind, o.warranty_contractor, o.warranty_sent_at) == (
        RepairKind.WARRANTY,
        "美的售后",
        T0,
    )
    assert o.status == status  # open until the work is signed for
    entry = last_event(o)
    assert (entry.kind, entry.actor, entry.data) == (
        EventKind.WARRANTY_SENT,
        clerk,
        {"contractor": "美的售后"},
    )


def test_sent_to_the_warranty_contractor_once(clerk, technician, dept_head):
    o = order_in(Status.TAKEN, clerk, technician)
    services.repair_send_warranty(actor=dept_head, order_id=o.pk, contractor="美的售后")
    o.refresh_from_db()
    with refused(o, "It was already sent to the warranty contractor.", services.Conflict):
        services.repair_send_warranty(actor=clerk, order_id=o.pk, contractor="格力售后")
    assert kinds(o).count(EventKind.WARRANTY_SENT) == 1


def test_the_warranty_contractor_is_named(clerk, technician):
    o = order_in(Status.TAKEN, clerk, technician)
    with refused(o, "Name the warranty contractor."):
        services.repair_send_warranty(actor=clerk, order_id=o.pk, contractor="   ")


@pytest.mark.parametrize("status", [Status.FINISHED, Status.SIGNED, Status.CLOSED])
def test_not_sent_to_the_contractor_after_the_work(clerk, technician, status):
    o = order_in(status, clerk, technician)
    with refused(
        o,
        "The work is done: it is no longer sent to a contractor.",
        services.IllegalTransition,
    ):
        services.repair_send_warranty(actor=clerk, order_id=o.pk, contractor="美的售后")


def test_who_sends_to_the_warranty_contractor(clerk, technician, dept_head, tech2, other_clerk):
    o = order_in(Status.TAKEN, clerk, technician)
    for outsider in (technician, tech2, other_clerk):
        assert not services.repair_can_warranty(outsider, o)
        with refused(o, DESK_OR_HEAD, services.NotAllowed):
            services.repair_send_warranty(actor=outsider, order_id=o.pk, contractor="美的售后")
    assert services.repair_can_warranty(clerk, o)
    assert services.repair_can_warranty(dept_head, o)


def test_an_empty_fee_form_leaves_warranty_work_under_warranty(clerk, technician):
    o = order_in(Status.TAKEN, clerk, technician)
    services.repair_send_warranty(actor=clerk, order_id=o.pk, contractor="美的售后")
    fees(technician, o)
    o.refresh_from_db()
    assert o.kind == RepairKind.WARRANTY


# --- not a repair -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "who"),
    [
        (Status.REPORTED, "clerk"),
        (Status.REPORTED, "dept_head"),
        (Status.DISPATCHED, "clerk"),
        (Status.DISPATCHED, "technician"),
        (Status.TAKEN, "technician"),
        (Status.TAKEN, "dept_head"),
        (Status.ARRIVED, "technician"),
        (Status.ARRIVED, "clerk"),
    ],
)
def test_not_a_repair_closes_the_order_before_the_work(clerk, technician, dept_head, status, who):
    actor = {"clerk": clerk, "technician": technician, "dept_head": dept_head}[who]
    o = order_in(status, clerk, technician)
    assert services.repair_can_not_a_repair(actor, o)
    with time_machine.travel(T0, tick=False):
        services.repair_not_a_repair(actor=actor, order_id=o.pk, note=" 教住户复位跳闸开关 ")
    o.refresh_from_db()
    assert (o.status, o.kind, o.work_done, o.closed_at) == (
        Status.CLOSED,
        RepairKind.NOT_A_REPAIR,
        "教住户复位跳闸开关",
        T0,
    )
    assert (o.next_due, o.sweep_at, o.published) == (None, None, False)
    entry = last_event(o)
    assert (entry.kind, entry.actor, entry.note) == (
        EventKind.NOT_A_REPAIR,
        actor,
        "教住户复位跳闸开关",
    )
    assert not services.repair_can_not_a_repair(actor, o)


def test_not_a_repair_of_an_order_open_to_take(clerk, technician):
    o = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=o.pk)
    o.refresh_from_db()
    assert o.published and o.next_due is not None
    services.repair_not_a_repair(actor=clerk, order_id=o.pk, note="住户自行处理")
    o.refresh_from_db()
    assert (o.status, o.published, o.next_due, o.sweep_at) == (Status.CLOSED, False, None, None)
    assert not services.repair_can_take(technician, o)


@pytest.mark.parametrize("status", [Status.FINISHED, Status.SIGNED, Status.CLOSED])
def test_not_a_repair_is_refused_after_the_work(clerk, technician, status):
    o = order_in(status, clerk, technician)
    label = {
        Status.FINISHED: "Work done (已完工)",
        Status.SIGNED: "Signed by the resident (住户已签字)",
        Status.CLOSED: "Closed (已关闭)",
    }[status]
    with refused(
        o,
        f"Repair order {o.number} is {label}: the work was done, it is a repair.",
        services.IllegalTransition,
    ):
        services.repair_not_a_repair(actor=clerk, order_id=o.pk, note="教住户使用")


def test_not_a_repair_needs_the_note(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    with refused(o, "Write what the resident was shown."):
        services.repair_not_a_repair(actor=technician, order_id=o.pk, note="   ")


def test_who_finds_it_is_not_a_repair(clerk, technician, tech2, tech_jr, other_clerk):
    o = order_in(Status.ARRIVED, clerk, technician)
    for outsider in (tech2, tech_jr, other_clerk):
        assert not services.repair_can_not_a_repair(outsider, o)
        with refused(o, ON_SITE, services.NotAllowed):
            services.repair_not_a_repair(actor=outsider, order_id=o.pk, note="教住户使用")


def test_a_missing_order_is_refused(clerk):
    with pytest.raises(services.RepairError) as info:
        services.repair_not_a_repair(actor=clerk, order_id=987654, note="x")
    assert str(info.value) == "This repair order does not exist."


def test_a_photo_claiming_too_many_pixels_is_refused_before_it_is_decoded(clerk, technician):
    o = order_in(Status.ARRIVED, clerk, technician)
    huge = encode(Image.new("L", (13_000, 10), "white"), "PNG")
    with refused(o, "The photo has too many pixels: take it again at a normal size."):
        services.repair_add_photo(actor=technician, order_id=o.pk, stage="before", data=huge)
