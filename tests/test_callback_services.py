"""The callback services (回访, SPEC §6): a callback opened by the case below it, recorded by
the desk (or refused, saving nothing), tried again when the resident is not reached,
"not satisfied" sending the case back to work, the same matter raised again told to the
office director (003 §8), and the public letter (公开信) closing several at once.

Every refusal is matched by its English message and leaves everything as it was: the
callbacks, their log, the complaints and repair orders, their logs, the notifications
and the letters."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from PIL import Image, ImageDraw

from callbacks import policy, services
from callbacks.models import (
    Callback,
    CallbackEvent,
    EventKind,
    Kind,
    Method,
    PublicLetter,
    Satisfaction,
    Status,
)
from complaints import services as complaint_services
from complaints.models import Category, Complaint, ComplaintEvent
from complaints.models import EventKind as ComplaintEventKind
from complaints.models import Status as ComplaintStatus
from repairs import services as repair_services
from repairs.models import Fault, RepairOrder, RepairOrderEvent
from repairs.models import Status as RepairStatus
from staff.models import Notification
from tests.factories.complaints import advance, make_complaint
from tests.factories.repairs import advance as advance_order
from tests.factories.repairs import make_order
from tests.factories.staff import UnitFactory


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English here; the Chinese ones are the catalog's."""
    with translation.override("en"):
        yield


SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday morning

NOT_DESK = "Only the service desk of this estate calls residents back."
NO_METHOD = "Choose how the resident was called back."
NO_SATISFACTION = "Was the resident satisfied? Choose one."
NO_RATINGS = "For a repair, rate the service attitude, the speed and the quality."
NO_SIGNATURE = "A visit callback carries the resident's signature."
NOT_A_DRAWING = "The signature did not arrive as a drawing: sign again."
EMPTY_SIGNATURE = "The signature is empty: the resident signs in the box."
ALREADY_DONE = "This callback is already recorded: Called back (已回访)."
LETTER_TEXT = "Write the letter's title and its text."
LETTER_TWO = "A public letter answers at least two callbacks."
LETTER_ESTATE = "Choose callbacks of this estate."


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


# --- making cases ---------------------------------------------------------------------


def closed(clerk, head, **fields) -> tuple[Complaint, Callback]:
    """A complaint handled, the resident told, closed: and its callback."""
    c = advance(make_complaint(clerk=clerk, **fields), to="closed", clerk=clerk, head=head)
    return c, Callback.objects.get(complaint=c, status=Status.DUE)


def spot(clerk, **fields) -> tuple[Complaint, Callback]:
    """A complaint solved at the desk at once (当场解决): and its callback."""
    c = make_complaint(clerk=clerk, **fields)
    complaint_services.complaint_close_on_the_spot(
        actor=clerk, complaint_id=c.pk, note="已当场解释"
    )
    c.refresh_from_db()
    return c, Callback.objects.get(complaint=c)


def repaired(clerk, technician, to: str = RepairStatus.CLOSED, **fields):
    """A repair order walked on to ``to`` (finished at least): and its callback."""
    o = advance_order(make_order(clerk=clerk, **fields), to=to, clerk=clerk, technician=technician)
    return o, Callback.objects.get(repair_order=o, status=Status.DUE)


def record(actor, cb: Callback, **fields: Any) -> Callback:
    fields = {"method": Method.PHONE, "reached": True, **fields}
    return services.callback_record(actor=actor, callback_id=cb.pk, **fields)


def satisfied(actor, cb: Callback, **fields: Any) -> Callback:
    if cb.kind == Kind.REPAIR:
        fields = {"attitude": "satisfied", "speed": "satisfied", "quality": "satisfied", **fields}
    return record(actor, cb, satisfaction=Satisfaction.SATISFIED, **fields)


def unhappy(actor, cb: Callback, words: str = "还是漏水", **fields: Any) -> Callback:
    if cb.kind == Kind.REPAIR:
        fields = {"attitude": "basic", "speed": "basic", "quality": "not_satisfied", **fields}
    return record(actor, cb, satisfaction=Satisfaction.NOT_SATISFIED, words=words, **fields)


def kinds(cb: Callback) -> list[str]:
    return list(
        CallbackEvent.objects.filter(callback=cb).order_by("id").values_list("kind", flat=True)
    )


def event(cb: Callback, kind: str) -> CallbackEvent:
    return CallbackEvent.objects.get(callback=cb, kind=kind)


# --- images -----------------------------------------------------------------------------


def png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def drawn_png() -> bytes:
    """A signature as the phone sends it: a black stroke on white."""
    img = Image.new("RGB", (600, 240), "white")
    ImageDraw.Draw(img).line([(40, 180), (200, 60), (560, 150)], fill="black", width=6)
    return png(img)


def blank_png() -> bytes:
    return png(Image.new("RGB", (600, 240), "white"))


# --- nothing half-saved ---------------------------------------------------------------------


def world() -> dict[str, Any]:
    """Everything a callback service may write, anywhere."""
    callbacks = list(Callback.objects.order_by("pk").values())
    for row in callbacks:
        row["signature"] = bytes(row["signature"]) if row["signature"] is not None else None
    orders = list(RepairOrder.objects.order_by("pk").values())
    for order in orders:
        order["signature"] = bytes(order["signature"]) if order["signature"] is not None else None
    return {
        "callbacks": callbacks,
        "callback_events": list(CallbackEvent.objects.order_by("pk").values_list("pk", "kind")),
        "letters": list(PublicLetter.objects.order_by("pk").values_list("pk", flat=True)),
        "complaints": list(Complaint.objects.order_by("pk").values()),
        "complaint_events": list(ComplaintEvent.objects.order_by("pk").values_list("pk", "kind")),
        "orders": orders,
        "order_events": list(RepairOrderEvent.objects.order_by("pk").values_list("pk", "kind")),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", "key")),
    }


@contextmanager
def refused(message: str, error: type[Exception] = services.CallbackError) -> Iterator[None]:
    """The block raises ``error`` with exactly ``message`` and saves nothing."""
    before = world()
    with pytest.raises(error) as info:
        yield
    assert str(info.value) == message
    assert world() == before


# === creation ===============================================================================


def test_a_handled_and_closed_complaint_is_due_for_a_callback(clerk, dept_head):
    with at(T0):
        c, cb = closed(clerk, dept_head)
    assert (cb.kind, cb.complaint, cb.repair_order, cb.status) == (
        Kind.COMPLAINT,
        c,
        None,
        Status.DUE,
    )
    assert cb.estate_id == c.estate_id
    assert cb.department == dept_head.staff_profile.department == c.department
    assert cb.opened_at == c.closed_at == T0
    assert cb.week_of is None and cb.tries == 0 and cb.done_at is None
    assert cb.callback_due is not None and cb.next_due == cb.callback_due
    assert cb.sweep_at is not None and cb.opened_at < cb.sweep_at < cb.callback_due
    [opened] = CallbackEvent.objects.filter(callback=cb)
    assert (opened.kind, opened.actor, opened.at) == (EventKind.OPENED, clerk, T0)


def test_a_complaint_closed_on_the_spot_is_called_back_too(clerk):
    with at(T0):
        c, cb = spot(clerk)
    assert c.closure == "on_the_spot"
    assert (cb.kind, cb.status, cb.department) == (Kind.COMPLAINT, Status.DUE, None)
    assert cb.opened_at == T0 and cb.callback_due is not None
    assert kinds(cb) == [EventKind.OPENED]


def test_solved_on_the_spot_at_the_intake_desk_is_called_back(clerk, ch):
    c = complaint_services.complaint_intake(
        actor=clerk,
        estate=ch,
        outcome="on_the_spot",
        outcome_note="已当场解释",
        channel="visit",
        category=Category.CUSTOMER_SERVICE,
        grade="minor",
        description="询问停水时间",
        resident_name="张三",
        resident_phone="13812345678",
    )
    assert Callback.objects.get(complaint=c).status == Status.DUE


def assert_not_needed(cb: Callback, c: Complaint, reason: str, actor) -> None:
    assert cb.status == Status.NOT_NEEDED
    assert cb.callback_due is None and cb.next_due is None and cb.sweep_at is None
    assert cb.done_at == c.closed_at and cb.done_by is None
    [entry] = CallbackEvent.objects.filter(callback=cb)
    assert (entry.kind, entry.actor, entry.data) == (
        EventKind.NOT_NEEDED,
        actor,
        {"reason": reason},
    )


def test_out_of_scope_needs_no_callback(clerk):
    c = make_complaint(clerk=clerk)
    complaint_services.complaint_mark_out_of_scope(
        actor=clerk, complaint_id=c.pk, note="属市政供水，已告知住户"
    )
    c.refresh_from_db()
    assert_not_needed(Callback.objects.get(complaint=c), c, "out_of_scope", clerk)


def test_an_anonymous_handled_complaint_needs_no_callback(clerk, dept_head):
    c = make_complaint(clerk=clerk, anonymous=True, resident_name="", resident_phone="")
    c = advance(c, to="closed", clerk=clerk, head=dept_head)
    assert_not_needed(Callback.objects.get(complaint=c), c, "anonymous", clerk)


def test_an_anonymous_complaint_solved_on_the_spot_needs_no_callback(clerk):
    c, cb = spot(clerk, anonymous=True, resident_name="", resident_phone="")
    assert_not_needed(cb, c, "anonymous", clerk)


def test_an_out_of_scope_callback_is_not_labelled_anonymous(clerk):
    c = make_complaint(clerk=clerk)
    complaint_services.complaint_mark_out_of_scope(actor=clerk, complaint_id=c.pk, note="非职责")
    cb = Callback.objects.get(complaint=c)
    assert "anonymous" not in cb.get_status_display().lower()
    assert "anonymous" not in event(cb, EventKind.NOT_NEEDED).get_kind_display().lower()


def test_an_open_complaint_has_no_callback(clerk, dept_head):
    c = advance(make_complaint(clerk=clerk), to="informed", clerk=clerk, head=dept_head)
    assert not Callback.objects.filter(complaint=c).exists()


def test_a_finished_repair_is_due_for_a_callback(clerk, technician):
    moment = dt.datetime(2026, 11, 25, 15, 0, tzinfo=SH)
    o = finished_at(moment, clerk, technician)
    cb = Callback.objects.get(repair_order=o)
    assert (cb.kind, cb.complaint, cb.status) == (Kind.REPAIR, None, Status.DUE)
    assert cb.department == technician.staff_profile.department
    assert o.finished_at == moment  # a Wednesday: handed in that Friday, due from its end
    assert cb.opened_at == dt.datetime(2026, 11, 28, 0, 0, tzinfo=SH)
    assert cb.callback_due is not None and cb.next_due == cb.callback_due
    [opened] = CallbackEvent.objects.filter(callback=cb)
    assert (opened.kind, opened.actor) == (EventKind.OPENED, technician)


def finished_at(moment: dt.datetime, clerk, technician) -> RepairOrder:
    with at(moment - dt.timedelta(hours=1)):
        o = advance_order(
            make_order(clerk=clerk), to=RepairStatus.ARRIVED, clerk=clerk, technician=technician
        )
    with at(moment):
        repair_services.repair_finish(actor=technician, order_id=o.pk, work_done="更换阀芯")
    o.refresh_from_db()
    return o


@pytest.mark.parametrize(
    ("moment", "friday"),
    [
        # A Wednesday: the same week's Friday.
        (dt.datetime(2026, 11, 25, 15, 0, tzinfo=SH), dt.date(2026, 11, 27)),
        # A Friday: that very Friday, morning or evening.
        (dt.datetime(2026, 11, 27, 9, 0, tzinfo=SH), dt.date(2026, 11, 27)),
        (dt.datetime(2026, 11, 27, 23, 30, tzinfo=SH), dt.date(2026, 11, 27)),
        # A Saturday: next week's batch; at 07:00 it is still Friday in UTC.
        (dt.datetime(2026, 11, 28, 7, 0, tzinfo=SH), dt.date(2026, 12, 4)),
        (dt.datetime(2026, 11, 28, 15, 0, tzinfo=SH), dt.date(2026, 12, 4)),
        # A Sunday, late in the evening (still Sunday in UTC).
        (dt.datetime(2026, 11, 29, 23, 30, tzinfo=SH), dt.date(2026, 12, 4)),
    ],
)
def test_a_repair_belongs_to_the_friday_of_its_week(clerk, technician, moment, friday):
    o = finished_at(moment, clerk, technician)
    cb = Callback.objects.get(repair_order=o)
    assert cb.week_of == friday and cb.week_of.weekday() == 4


def test_not_a_repair_is_not_called_back(clerk, technician):
    o = advance_order(
        make_order(clerk=clerk), to=RepairStatus.DISPATCHED, clerk=clerk, technician=technician
    )
    repair_services.repair_not_a_repair(actor=technician, order_id=o.pk, note="已教住户复位开关")
    o.refresh_from_db()
    assert o.status == RepairStatus.CLOSED
    assert not Callback.objects.filter(repair_order=o).exists()


def test_a_reopened_complaint_closed_again_gets_a_second_callback(clerk, dept_head):
    with at(T0):
        c, first = closed(clerk, dept_head)
    with at(T0 + dt.timedelta(days=1)):
        unhappy(clerk, first)
    with at(T0 + dt.timedelta(days=2)):
        c = advance(c, to="closed", clerk=clerk, head=dept_head)
    first.refresh_from_db()
    second = Callback.objects.exclude(pk=first.pk).get(complaint=c)
    assert first.status == Status.DONE
    assert second.status == Status.DUE and second.opened_at == T0 + dt.timedelta(days=2)
    assert kinds(second) == [EventKind.OPENED]


def test_never_two_callbacks_due_at_once_for_one_complaint(clerk, dept_head, supervisor):
    c, first = closed(clerk, dept_head)
    # Reopened by hand (not from the callback) and closed again while the first waits.
    complaint_services.complaint_reopen(actor=supervisor, complaint_id=c.pk, reason="住户来电")
    advance(c, to="closed", clerk=clerk, head=dept_head)
    assert list(Callback.objects.filter(complaint=c).values_list("pk", "status")) == [
        (first.pk, Status.DUE)
    ]
    assert kinds(first) == [EventKind.OPENED]
    # And the database refuses a second one outright.
    with pytest.raises(IntegrityError), transaction.atomic():
        Callback.objects.create(
            estate_id=c.estate_id, kind=Kind.COMPLAINT, complaint=c, opened_at=first.opened_at
        )


def test_never_two_callbacks_due_at_once_for_one_order(clerk, technician):
    o, cb = repaired(clerk, technician, to=RepairStatus.FINISHED)
    assert services.open_for_repair(o, clerk) is None
    assert Callback.objects.filter(repair_order=o).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Callback.objects.create(
            estate_id=o.estate_id, kind=Kind.REPAIR, repair_order=o, opened_at=cb.opened_at
        )


# === callback_record: refusals ==============================================================


@pytest.mark.parametrize("who", ["technician", "dept_head", "other_clerk", "director", "gm"])
def test_only_the_estates_desk_records_a_callback(clerk, dept_head, user_of, who):
    _c, cb = closed(clerk, dept_head)
    actor = user_of(who)
    assert not services.callback_can_record(actor, cb)
    with refused(NOT_DESK, services.NotAllowed):
        satisfied(actor, cb)
    with refused(NOT_DESK, services.NotAllowed):
        record(actor, cb, reached=False)


@pytest.mark.parametrize("who", ["clerk", "duty_officer", "supervisor"])
def test_the_desk_records_a_callback(clerk, dept_head, user_of, who):
    _c, cb = closed(clerk, dept_head)
    actor = user_of(who)
    assert services.callback_can_record(actor, cb)
    satisfied(actor, cb)
    cb.refresh_from_db()
    assert (cb.status, cb.done_by) == (Status.DONE, actor)
    assert not services.callback_can_record(actor, cb)


def test_a_repair_callback_is_the_desk_s_not_the_technicians(clerk, technician, dept_head):
    _o, cb = repaired(clerk, technician)
    for actor in (technician, dept_head):
        with refused(NOT_DESK, services.NotAllowed):
            satisfied(actor, cb)


def test_a_recorded_callback_is_not_recorded_again(clerk, dept_head):
    _c, cb = closed(clerk, dept_head)
    satisfied(clerk, cb)
    with refused(ALREADY_DONE, services.Conflict):
        unhappy(clerk, cb)
    with refused(ALREADY_DONE, services.Conflict):
        record(clerk, cb, reached=False)


def test_an_unreachable_or_not_needed_callback_is_not_recorded(clerk, dept_head, settings):
    settings.CALLBACK_MAX_TRIES = 1
    _c, cb = closed(clerk, dept_head)
    record(clerk, cb, reached=False)
    with refused("This callback is already recorded: Unreachable (无法联系).", services.Conflict):
        satisfied(clerk, cb)
    _c, anonymous = spot(clerk, anonymous=True, resident_name="", resident_phone="")
    with refused(
        "This callback is already recorded: Not needed (无需回访).",
        services.Conflict,
    ):
        satisfied(clerk, anonymous)


def test_a_missing_callback_is_refused(clerk, db):
    with refused("This callback does not exist."):
        services.callback_record(
            actor=clerk, callback_id=987654, method="phone", reached=True, satisfaction="satisfied"
        )


@pytest.mark.parametrize("method", ["", "email", "LETTER", None])
def test_the_method_is_one_of_phone_visit_letter(clerk, dept_head, method):
    _c, cb = closed(clerk, dept_head)
    with refused(NO_METHOD):
        satisfied(clerk, cb, method=method)
    with refused(NO_METHOD):
        record(clerk, cb, method=method, reached=False)


@pytest.mark.parametrize("satisfaction", ["", "happy", "Satisfied"])
def test_a_reached_resident_says_how_satisfied(clerk, dept_head, satisfaction):
    _c, cb = closed(clerk, dept_head)
    with refused(NO_SATISFACTION):
        record(clerk, cb, satisfaction=satisfaction)


@pytest.mark.parametrize(
    "missing",
    [
        {"attitude": ""},
        {"speed": ""},
        {"quality": ""},
        {"quality": "good"},
        {"attitude": "", "speed": "", "quality": ""},
    ],
)
def test_a_repair_callback_rates_attitude_speed_and_quality(clerk, technician, missing):
    _o, cb = repaired(clerk, technician)
    with refused(NO_RATINGS):
        satisfied(clerk, cb, **missing)


def test_a_visit_carries_the_residents_drawn_signature(clerk, dept_head):
    _c, cb = closed(clerk, dept_head)
    with refused(NO_SIGNATURE):
        satisfied(clerk, cb, method=Method.VISIT)
    with refused(NO_SIGNATURE):
        satisfied(clerk, cb, method=Method.VISIT, signature=b"")
    with refused(EMPTY_SIGNATURE):
        satisfied(clerk, cb, method=Method.VISIT, signature=blank_png())
    with refused(NOT_A_DRAWING):
        satisfied(clerk, cb, method=Method.VISIT, signature=b"\x89PNG\r\n\x1a\n not really")
    with refused(NOT_A_DRAWING):
        satisfied(clerk, cb, method=Method.PHONE, signature=b"GIF89a")


def test_the_residents_words_are_at_most_2000_characters(clerk, dept_head):
    _c, cb = closed(clerk, dept_head)
    with refused("At most 2000 characters, please (this is 2001): say it briefly."):
        satisfied(clerk, cb, words="好" * 2001)
    with refused("At most 2000 characters, please (this is 2001): say it briefly."):
        record(clerk, cb, reached=False, words="x" * 2001)
    satisfied(clerk, cb, words="  " + "好" * 2000 + "  ")
    cb.refresh_from_db()
    assert cb.words == "好" * 2000


# === callback_record: not reached ===========================================================


def test_not_reached_below_the_limit_stays_due(clerk, dept_head, settings):
    settings.CALLBACK_MAX_TRIES = 3
    with at(T0):
        c, cb = closed(clerk, dept_head)
    due, sweep_at = cb.callback_due, cb.sweep_at
    complaint = Complaint.objects.filter(pk=c.pk).values().get()
    for n in (1, 2):
        moment = T0 + dt.timedelta(hours=n)
        with at(moment):
            record(clerk, cb, reached=False, words="无人接听")
        cb.refresh_from_db()
        assert (cb.status, cb.tries, cb.last_tried_at) == (Status.DUE, n, moment)
        assert (cb.method, cb.satisfaction, cb.done_at, cb.done_by) == ("phone", "", None, None)
        # The clock runs on: the same deadline, the same next alarm.
        assert (cb.callback_due, cb.next_due, cb.sweep_at) == (due, due, sweep_at)
    assert kinds(cb) == [EventKind.OPENED, EventKind.NOT_REACHED, EventKind.NOT_REACHED]
    tries = CallbackEvent.objects.filter(callback=cb, kind=EventKind.NOT_REACHED).order_by("id")
    assert [(e.data["tries"], e.note, e.actor) for e in tries] == [
        (1, "无人接听", clerk),
        (2, "无人接听", clerk),
    ]
    assert Complaint.objects.filter(pk=c.pk).values().get() == complaint
    assert services.callback_can_record(clerk, cb)


def test_not_reached_at_the_limit_is_unreachable_and_stops_the_clock(clerk, dept_head, settings):
    settings.CALLBACK_MAX_TRIES = 3
    with at(T0):
        c, cb = closed(clerk, dept_head)
    complaint = Complaint.objects.filter(pk=c.pk).values().get()
    for n in range(3):
        with at(T0 + dt.timedelta(hours=n + 1)):
            record(clerk, cb, reached=False)
    cb.refresh_from_db()
    assert (cb.status, cb.tries) == (Status.UNREACHABLE, 3)
    assert (cb.done_at, cb.done_by) == (T0 + dt.timedelta(hours=3), clerk)
    assert (cb.sweep_at, cb.next_due) == (None, None)
    assert kinds(cb)[-1] == EventKind.UNREACHABLE
    assert event(cb, EventKind.UNREACHABLE).data == {"tries": 3}
    assert Complaint.objects.filter(pk=c.pk).values().get() == complaint  # not reopened
    assert not Notification.objects.filter(key__startswith=f"callback:{cb.pk}:").exists()


def test_the_default_is_three_tries(clerk, dept_head, settings):
    del settings.CALLBACK_MAX_TRIES
    assert policy.max_tries() == 3
    _c, cb = closed(clerk, dept_head)
    for _ in range(2):
        record(clerk, cb, reached=False)
    cb.refresh_from_db()
    assert cb.status == Status.DUE
    record(clerk, cb, reached=False)
    cb.refresh_from_db()
    assert (cb.status, cb.tries) == (Status.UNREACHABLE, 3)


@pytest.mark.parametrize("limit", [1, 5])
def test_the_number_of_tries_is_a_setting(clerk, dept_head, settings, limit):
    settings.CALLBACK_MAX_TRIES = limit
    _c, cb = closed(clerk, dept_head)
    for _ in range(limit - 1):
        record(clerk, cb, reached=False)
    cb.refresh_from_db()
    assert (cb.status, cb.tries) == (Status.DUE, limit - 1)
    record(clerk, cb, reached=False)
    cb.refresh_from_db()
    assert (cb.status, cb.tries, cb.sweep_at) == (Status.UNREACHABLE, limit, None)


def test_reached_after_a_try_is_done_with_the_tries_kept(clerk, dept_head):
    _c, cb = closed(clerk, dept_head)
    record(clerk, cb, reached=False)
    satisfied(clerk, cb)
    cb.refresh_from_db()
    assert (cb.status, cb.tries) == (Status.DONE, 1)
    assert kinds(cb) == [EventKind.OPENED, EventKind.NOT_REACHED, EventKind.DONE]


# === callback_record: satisfied ===============================================================


@pytest.mark.parametrize("satisfaction", [Satisfaction.SATISFIED, Satisfaction.BASIC])
def test_satisfied_is_done_and_leaves_the_complaint_alone(
    clerk, dept_head, supervisor, satisfaction
):
    with at(T0):
        c, cb = closed(clerk, dept_head)
    complaint = Complaint.objects.filter(pk=c.pk).values().get()
    complaint_events = list(ComplaintEvent.objects.filter(complaint=c).values_list("pk"))
    notes = Notification.objects.count()
    moment = T0 + dt.timedelta(days=1)
    with at(moment):
        record(
            clerk,
            cb,
            satisfaction=satisfaction,
            words="  问题已解决，谢谢  ",
            attitude="not_satisfied",  # not asked for a complaint: not kept
        )
    cb.refresh_from_db()
    assert (cb.status, cb.method, cb.satisfaction) == (Status.DONE, "phone", satisfaction)
    assert (cb.attitude, cb.speed, cb.quality) == ("", "", "")
    assert (cb.words, cb.signature, cb.tries) == ("问题已解决，谢谢", None, 0)
    assert (cb.done_at, cb.done_by, cb.last_tried_at) == (moment, clerk, moment)
    assert (cb.next_due, cb.sweep_at) == (None, None)
    assert kinds(cb) == [EventKind.OPENED, EventKind.DONE]
    done = event(cb, EventKind.DONE)
    assert (done.actor, done.note, done.data) == (
        clerk,
        "问题已解决，谢谢",
        {"satisfaction": satisfaction},
    )
    assert Complaint.objects.filter(pk=c.pk).values().get() == complaint
    assert list(ComplaintEvent.objects.filter(complaint=c).values_list("pk")) == complaint_events
    assert Notification.objects.count() == notes


def test_a_visit_keeps_the_signature_as_a_png(clerk, dept_head):
    _c, cb = closed(clerk, dept_head)
    satisfied(clerk, cb, method=Method.VISIT, signature=drawn_png())
    cb.refresh_from_db()
    assert cb.method == Method.VISIT
    img = Image.open(io.BytesIO(bytes(cb.signature)))
    assert (img.format, img.mode, img.size) == ("PNG", "L", (600, 240))


def test_a_satisfied_repair_keeps_its_ratings_and_orders_no_rework(clerk, technician):
    o, cb = repaired(clerk, technician)
    orders = RepairOrder.objects.count()
    record(
        clerk,
        cb,
        satisfaction=Satisfaction.BASIC,
        attitude=Satisfaction.SATISFIED,
        speed=Satisfaction.BASIC,
        quality=Satisfaction.SATISFIED,
    )
    cb.refresh_from_db()
    assert (cb.status, cb.satisfaction, cb.attitude, cb.speed, cb.quality) == (
        Status.DONE,
        "basic",
        "satisfied",
        "basic",
        "satisfied",
    )
    assert RepairOrder.objects.count() == orders
    assert not RepairOrder.objects.filter(rework_of=o).exists()
    assert kinds(cb) == [EventKind.OPENED, EventKind.DONE]


# === callback_record: not satisfied =========================================================


def test_not_satisfied_reopens_the_complaint_with_new_deadlines(
    clerk, dept_head, supervisor, director
):
    with at(T0):
        c, cb = closed(clerk, dept_head)
    department, upgrade_due = c.department_id, c.upgrade_due
    moment = T0 + dt.timedelta(days=1, hours=3)
    with at(moment):
        unhappy(clerk, cb, words="天花板还在滴水")
    c.refresh_from_db()
    assert c.status == ComplaintStatus.REOPENED and c.reopened_at == moment
    assert c.department_id == department is not None
    # The clocks start again from the reopening (a minor complaint: 10 minutes, 2 days);
    # a month from receipt still makes it major.
    assert c.route_due == moment + dt.timedelta(minutes=10)
    assert c.resolve_due == moment + dt.timedelta(days=2)
    assert c.upgrade_due == upgrade_due
    assert c.closed_at is None and c.closure == ""
    assert c.sweep_at is not None and c.next_due == c.route_due
    reopened = ComplaintEvent.objects.get(complaint=c, kind=ComplaintEventKind.REOPENED)
    assert (reopened.actor, reopened.note) == (clerk, "天花板还在滴水")

    cb.refresh_from_db()
    assert (cb.status, cb.satisfaction) == (Status.DONE, "not_satisfied")
    assert kinds(cb) == [EventKind.OPENED, EventKind.DONE, EventKind.REOPENED]
    assert event(cb, EventKind.REOPENED).actor == clerk

    [note] = Notification.objects.filter(key=f"callback:{cb.pk}:not_satisfied")
    assert note.recipient == supervisor
    assert note.subject == f"[翠湖花园] Not satisfied at the callback of {c.number}"
    assert note.body == "天花板还在滴水"
    assert note.link == reverse("complaints:detail", args=[c.pk])
    # No earlier matter: the office director is not told.
    assert EventKind.ESCALATED not in kinds(cb)
    assert not Notification.objects.filter(recipient=director, key__startswith="callback:").exists()


def test_not_satisfied_without_words_still_gives_the_complaint_a_reason(clerk, dept_head):
    c, cb = closed(clerk, dept_head)
    unhappy(clerk, cb, words="")
    reopened = ComplaintEvent.objects.get(complaint=c, kind=ComplaintEventKind.REOPENED)
    assert reopened.note == "Not satisfied at the callback."


def test_a_complaint_that_cannot_be_reopened_refuses_the_whole_callback(
    clerk, dept_head, supervisor
):
    c, cb = closed(clerk, dept_head)
    complaint_services.complaint_reopen(actor=supervisor, complaint_id=c.pk, reason="住户来电")
    with refused(f"Complaint {c.number} is already Reopened (重新打开).", services.Conflict):
        unhappy(clerk, cb)
    cb.refresh_from_db()
    assert cb.status == Status.DUE  # still to be called back


def test_not_satisfied_with_a_repair_orders_its_rework(clerk, technician, supervisor, director):
    o, cb = repaired(clerk, technician, fault=Fault.OTHER)
    unhappy(clerk, cb, words="修完又坏了")
    new = RepairOrder.objects.get(rework_of=o)
    assert (new.unit_id, new.fault, new.status) == (o.unit_id, o.fault, RepairStatus.REPORTED)
    assert "修完又坏了" in new.description
    cb.refresh_from_db()
    assert (cb.status, cb.satisfaction, cb.quality) == (
        Status.DONE,
        "not_satisfied",
        "not_satisfied",
    )
    assert kinds(cb) == [EventKind.OPENED, EventKind.DONE, EventKind.REWORK]
    assert event(cb, EventKind.REWORK).data == {"rework": new.number}
    [note] = Notification.objects.filter(key=f"callback:{cb.pk}:not_satisfied")
    assert note.recipient == supervisor
    assert note.subject == f"[翠湖花园] Not satisfied at the callback of {o.number}"
    assert note.link == reverse("repairs:detail", args=[new.pk])


def test_not_satisfied_with_an_order_not_yet_closed_orders_the_rework(clerk, technician):
    """The callback is due from the end of the work: a resident unhappy before the
    order is closed gets the rework at once."""
    o, cb = repaired(clerk, technician, to=RepairStatus.FINISHED)
    unhappy(clerk, cb)
    assert RepairOrder.objects.filter(rework_of=o).exists()


def test_the_longest_words_still_order_a_rework(clerk, technician):
    o, cb = repaired(clerk, technician, fault=Fault.OTHER)
    unhappy(clerk, cb, words="坏" * 2000)
    assert RepairOrder.objects.filter(rework_of=o).exists()


# === escalation: the same matter raised again (003 §8) =========================================


def escalated(cb: Callback) -> list[CallbackEvent]:
    return list(CallbackEvent.objects.filter(callback=cb, kind=EventKind.ESCALATED))


def told_director(director, cb: Callback):
    return Notification.objects.filter(recipient=director, key=f"callback:{cb.pk}:escalated")


def assert_escalated(cb: Callback, case_number: str, earlier: list[str], director, supervisor):
    cb.refresh_from_db()
    [entry] = escalated(cb)
    assert (entry.actor, entry.data) == (cb.done_by, {"earlier": earlier})
    [note] = told_director(director, cb)
    assert note.kind == Notification.Kind.ESCALATED
    assert note.subject == (
        f"[翠湖花园] {case_number}: the same matter raised again ({'、'.join(earlier)})"
    )
    # The supervisors hear of the dissatisfaction, not of the escalation.
    assert not Notification.objects.filter(recipient=supervisor, key__endswith=":escalated")


def assert_not_escalated(cb: Callback, director, supervisor):
    assert escalated(cb) == []
    assert not told_director(director, cb).exists()
    assert Notification.objects.filter(
        recipient=supervisor, key=f"callback:{cb.pk}:not_satisfied"
    ).exists()


R = T0  # the complaint of the callback is received at R, closed, called back an hour on


def complaint_case(clerk, head, earlier_days: float | None, **fields):
    """An earlier complaint ``earlier_days`` before R (or none), then the complaint closed
    at R; returns (earlier, complaint, callback)."""
    earlier, earlier_fields = None, fields.pop("earlier", {})
    if earlier_days is not None:
        with at(R - dt.timedelta(days=earlier_days)):
            earlier = make_complaint(
                clerk=clerk, **{"resident_phone": "13900000001", **earlier_fields}
            )
    with at(R):
        c, cb = closed(clerk, head, **{"resident_phone": "13900000002", **fields})
    return earlier, c, cb


def test_escalated_when_the_unit_complained_of_the_same_matter_within_90_days(
    clerk, dept_head, supervisor, director, ch
):
    unit = UnitFactory(estate=ch)
    earlier, c, cb = complaint_case(clerk, dept_head, 89, unit=unit, earlier={"unit": unit})
    assert c.repeat_of == earlier  # linked at intake (二次投诉)
    with at(R + dt.timedelta(hours=1)):
        unhappy(clerk, cb)
    assert_escalated(cb, c.number, [earlier.number], director, supervisor)
    assert kinds(cb) == [EventKind.OPENED, EventKind.DONE, EventKind.REOPENED, EventKind.ESCALATED]


def test_escalated_on_the_unit_even_when_not_linked_at_intake(
    clerk, dept_head, supervisor, director, ch
):
    unit = UnitFactory(estate=ch)
    earlier, c, cb = complaint_case(clerk, dept_head, 89, unit=unit, earlier={"unit": unit})
    Complaint.objects.filter(pk=c.pk).update(repeat_of=None)
    with at(R + dt.timedelta(hours=1)):
        unhappy(clerk, cb)
    assert_escalated(cb, c.number, [earlier.number], director, supervisor)


def test_escalated_when_linked_as_a_repeat_without_a_unit(clerk, dept_head, supervisor, director):
    earlier, c, cb = complaint_case(
        clerk, dept_head, 30, resident_phone="13900000001", location="会所门口"
    )
    assert c.unit_id is None and c.repeat_of == earlier  # the same resident's phone
    with at(R + dt.timedelta(hours=1)):
        unhappy(clerk, cb)
    assert_escalated(cb, c.number, [earlier.number], director, supervisor)


def test_not_escalated_when_the_earlier_complaint_is_older_than_90_days(
    clerk, dept_head, supervisor, director, ch
):
    unit = UnitFactory(estate=ch)
    _earlier, c, cb = complaint_case(clerk, dept_head, 91, unit=unit, earlier={"unit": unit})
    assert c.repeat_of_id is None
    with at(R + dt.timedelta(hours=1)):
        unhappy(clerk, cb)
    assert_not_escalated(cb, director, supervisor)


def test_not_escalated_for_another_category(clerk, dept_head, supervisor, director, ch):
    unit = UnitFactory(estate=ch)
    _earlier, c, cb = complaint_case(
        clerk, dept_head, 10, unit=unit, earlier={"unit": unit, "category": Category.CLEANING}
    )
    assert c.repeat_of_id is None
    with at(R + dt.timedelta(hours=1)):
        unhappy(clerk, cb)
    assert_not_escalated(cb, director, supervisor)


def test_not_escalated_for_another_unit(clerk, dept_head, supervisor, director, ch):
    _earlier, c, cb = complaint_case(
        clerk,
        dept_head,
        10,
        unit=UnitFactory(estate=ch),
        earlier={"unit": UnitFactory(estate=ch)},
    )
    assert c.repeat_of_id is None
    with at(R + dt.timedelta(hours=1)):
        unhappy(clerk, cb)
    assert_not_escalated(cb, director, supervisor)


def test_satisfied_is_never_escalated(clerk, dept_head, supervisor, director, ch):
    unit = UnitFactory(estate=ch)
    _earlier, _c, cb = complaint_case(clerk, dept_head, 10, unit=unit, earlier={"unit": unit})
    satisfied(clerk, cb)
    assert escalated(cb) == [] and not told_director(director, cb).exists()


def repair_case(
    clerk, technician, earlier_days: float | None, unit, earlier: dict[str, Any] | None = None
):
    """An earlier order ``earlier_days`` before R (or none; water, at ``unit`` unless
    ``earlier`` says otherwise), then a water order at ``unit`` done and closed at R;
    returns (earlier, order, callback)."""
    first = None
    if earlier_days is not None:
        with at(R - dt.timedelta(days=earlier_days)):
            first = make_order(
                clerk=clerk, **{"unit": unit, "fault": Fault.WATER, **(earlier or {})}
            )
    with at(R):
        o, cb = repaired(clerk, technician, unit=unit, fault=Fault.WATER)
    return first, o, cb


def test_a_repair_is_escalated_when_the_unit_had_the_same_fault(
    clerk, technician, supervisor, director, ch
):
    unit = UnitFactory(estate=ch)
    first, o, cb = repair_case(clerk, technician, 89, unit)
    with at(R + dt.timedelta(hours=1)):
        unhappy(clerk, cb)
    assert_escalated(cb, o.number, [first.number], director, supervisor)
    assert kinds(cb) == [EventKind.OPENED, EventKind.DONE, EventKind.REWORK, EventKind.ESCALATED]


def test_a_repair_with_no_earlier_order_is_not_escalated(
    clerk, technician, supervisor, director, ch
):
    """The rework just ordered is not "an earlier order of the same fault"."""
    _first, o, cb = repair_case(clerk, technician, None, UnitFactory(estate=ch))
    with at(R + dt.timedelta(hours=1)):
        unhappy(clerk, cb)
    assert RepairOrder.objects.filter(rework_of=o).exists()
    assert_not_escalated(cb, director, supervisor)


def test_a_repair_is_not_escalated_for_another_fault(clerk, technician, supervisor, director, ch):
    _first, _o, cb = repair_case(
        clerk, technician, 10, UnitFactory(estate=ch), {"fault": Fault.POWER}
    )
    with at(R + dt.timedelta(hours=1)):
        unhappy(clerk, cb)
    assert_not_escalated(cb, director, supervisor)


def test_a_repair_is_not_escalated_for_an_order_older_than_90_days(
    clerk, technician, supervisor, director, ch
):
    _first, _o, cb = repair_case(clerk, technician, 91, UnitFactory(estate=ch))
    with at(R + dt.timedelta(hours=1)):
        unhappy(clerk, cb)
    assert_not_escalated(cb, director, supervisor)


def test_a_repair_is_not_escalated_for_another_units_fault(
    clerk, technician, supervisor, director, ch
):
    _first, _o, cb = repair_case(
        clerk, technician, 10, UnitFactory(estate=ch), {"unit": UnitFactory(estate=ch)}
    )
    with at(R + dt.timedelta(hours=1)):
        unhappy(clerk, cb)
    assert_not_escalated(cb, director, supervisor)


# === the public letter (公开信) ===============================================================


def letter(
    actor, estate_id: int, ids, title: str = "关于电梯维修的说明", body: str = "各位住户：……"
):
    return services.letter_write(
        actor=actor, estate_id=estate_id, title=title, body=body, callback_ids=ids
    )


def test_a_public_letter_answers_several_callbacks_of_the_estate(clerk, dept_head, technician, ch):
    _c, first = closed(clerk, dept_head)
    _c2, second = spot(clerk)
    _o, third = repaired(clerk, technician)
    _c3, untouched = spot(clerk)
    with at(T0 + dt.timedelta(days=3)):
        kept = letter(clerk, ch.pk, [third.pk, first.pk, second.pk, first.pk])
    kept.refresh_from_db()
    assert (kept.estate, kept.title, kept.body) == (ch, "关于电梯维修的说明", "各位住户：……")
    assert (kept.written_by, kept.written_at) == (clerk, T0 + dt.timedelta(days=3))
    answered = list(kept.callbacks.order_by("pk"))
    assert [cb.pk for cb in answered] == sorted([first.pk, second.pk, third.pk])
    for cb in answered:
        assert (cb.status, cb.method, cb.done_by) == (Status.DONE, Method.LETTER, clerk)
        assert cb.done_at == T0 + dt.timedelta(days=3)
        assert (cb.next_due, cb.sweep_at) == (None, None)
        assert kinds(cb)[-1] == EventKind.LETTER
        assert event(cb, EventKind.LETTER).data == {"letter": kept.pk}
    untouched.refresh_from_db()
    assert untouched.status == Status.DUE and untouched.letter is None


def test_a_letter_answers_at_least_two_callbacks(clerk, ch):
    _c, cb = spot(clerk)
    with refused(LETTER_TWO):
        letter(clerk, ch.pk, [cb.pk])
    with refused(LETTER_TWO):
        letter(clerk, ch.pk, [cb.pk, cb.pk])
    with refused(LETTER_TWO):
        letter(clerk, ch.pk, [])


def test_a_letter_answers_only_its_estates_callbacks(clerk, other_clerk, ch):
    _c, ours = spot(clerk)
    _c2, theirs = spot(other_clerk)
    with refused(LETTER_ESTATE):
        letter(clerk, ch.pk, [ours.pk, theirs.pk])
    with refused(LETTER_ESTATE):
        letter(clerk, ch.pk, [ours.pk, 987654])


def test_a_letter_does_not_answer_a_recorded_callback(clerk, ch):
    _c, due = spot(clerk)
    _c2, done = spot(clerk)
    satisfied(clerk, done)
    with refused(
        "1 of the chosen callbacks are recorded already: choose again.", services.Conflict
    ):
        letter(clerk, ch.pk, [due.pk, done.pk])


@pytest.mark.parametrize("who", ["technician", "dept_head", "director", "other_clerk"])
def test_only_the_estates_desk_writes_a_letter(clerk, ch, user_of, who):
    ids = [spot(clerk)[1].pk, spot(clerk)[1].pk]
    with refused(NOT_DESK, services.NotAllowed):
        letter(user_of(who), ch.pk, ids)


def test_another_estates_clerk_cannot_answer_ours_by_naming_her_estate(clerk, other_clerk, jr):
    ids = [spot(clerk)[1].pk, spot(clerk)[1].pk]
    with refused(LETTER_ESTATE):
        letter(other_clerk, jr.pk, ids)


@pytest.mark.parametrize(
    ("title", "body"), [("", "正文"), ("标题", ""), ("  ", "正文"), ("标题", " \n ")]
)
def test_a_letter_has_a_title_and_a_text(clerk, ch, title, body):
    ids = [spot(clerk)[1].pk, spot(clerk)[1].pk]
    with refused(LETTER_TEXT):
        letter(clerk, ch.pk, ids, title=title, body=body)


def test_a_letters_title_is_at_most_100_characters(clerk, ch):
    ids = [spot(clerk)[1].pk, spot(clerk)[1].pk]
    with refused("At most 100 characters, please (this is 101): say it briefly."):
        letter(clerk, ch.pk, ids, title="题" * 101)
    assert letter(clerk, ch.pk, ids, title="题" * 100).title == "题" * 100


def test_the_other_estates_desk_answers_its_own_callbacks(other_clerk, jr):
    ids = [spot(other_clerk)[1].pk, spot(other_clerk)[1].pk]
    assert letter(other_clerk, jr.pk, ids).callbacks.count() == 2
