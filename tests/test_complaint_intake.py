"""Intake: receipt, routing, desk closes, out of scope, validation, numbers, repeats."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from complaints import limits, services
from complaints.models import (
    Category,
    Channel,
    Closure,
    Complaint,
    ComplaintCounter,
    ComplaintEvent,
    EventKind,
    Grade,
    Status,
)
from tests.complaint_helpers import ACTIONS, SH, T0, at_status, intake, kinds, snapshot
from tests.factories.complaints import department, make_complaint
from tests.factories.staff import UnitFactory

# The complaint services queue Celery tasks; every test here records them instead
# (the ``sent_tasks`` fixture in conftest.py) so nothing reaches the broker.
pytestmark = pytest.mark.usefixtures("sent_tasks")


# --- receiving and routing -------------------------------------------------------------


def test_receiving_a_complaint_logs_received_then_graded_by_the_clerk(clerk):
    with time_machine.travel(T0, tick=False):
        c = make_complaint(clerk=clerk, grade=Grade.IMPORTANT, channel=Channel.VISIT)
    events = list(c.events.all())
    assert [(e.kind, e.actor_id) for e in events] == [
        (EventKind.RECEIVED, clerk.pk),
        (EventKind.GRADED, clerk.pk),
    ]
    assert events[0].data["channel"] == Channel.VISIT
    assert events[1].data["grade"] == Grade.IMPORTANT
    assert events[0].at == T0
    assert c.status == Status.RECEIVED
    assert c.received_by == clerk
    assert c.received_at == T0


def test_routing_records_the_department_and_the_time(users):
    c = make_complaint(clerk=users["clerk"])
    with time_machine.travel(T0, tick=False):
        ACTIONS["route"](c, users)
    c.refresh_from_db()
    assert c.department == users["eng"]
    assert c.routed_at == T0
    event = c.events.get(kind=EventKind.ROUTED)
    assert event.data["department_id"] == users["eng"].pk
    assert event.data["previous"] is None


def test_rerouting_a_signed_complaint_clears_the_signature_and_names_the_previous_department(
    users,
):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    assert c.signed_at is not None
    ACTIONS["reroute"](c, users)
    c.refresh_from_db()
    assert c.department == users["cleaning"]
    assert c.signed_at is None
    last = c.events.filter(kind=EventKind.ROUTED).last()
    assert last.data["previous"] == users["eng"].name
    assert last.data["department"] == users["cleaning"].name


# --- intake validation -----------------------------------------------------------------


def test_a_requested_deadline_in_the_past_is_refused(clerk):
    with time_machine.travel(T0, tick=False), pytest.raises(ValidationError) as exc:
        make_complaint(clerk=clerk, requested_deadline=dt.date(2026, 11, 9))
    assert "requested_deadline" in exc.value.message_dict
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()


def test_a_requested_deadline_of_today_is_accepted(clerk):
    late = dt.datetime(2026, 11, 10, 23, 30, tzinfo=SH)  # already the 10th in UTC too
    with time_machine.travel(late, tick=False):
        c = make_complaint(clerk=clerk, requested_deadline=dt.date(2026, 11, 10))
    assert c.resolve_due == dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH)


def test_the_requested_deadline_is_checked_against_the_shanghai_date(clerk):
    # 00:30 on the 11th in Shanghai is still the 10th in UTC: the 10th is yesterday.
    midnight_30 = dt.datetime(2026, 11, 11, 0, 30, tzinfo=SH)
    with time_machine.travel(midnight_30, tick=False), pytest.raises(ValidationError):
        make_complaint(clerk=clerk, requested_deadline=dt.date(2026, 11, 10))


@pytest.mark.parametrize("phone", ["12345", "1381234567", "23812345678", "abc12345678"])
def test_an_invalid_phone_is_refused(clerk, phone):
    with pytest.raises(ValidationError) as exc:
        make_complaint(clerk=clerk, resident_phone=phone)
    assert "resident_phone" in exc.value.message_dict
    assert not Complaint.objects.exists()


def test_a_phone_is_stored_normalised(clerk):
    c = make_complaint(clerk=clerk, resident_phone=" 138 1234 5678 ")
    assert c.resident_phone == "13812345678"
    landline = make_complaint(clerk=clerk, resident_phone="(021) 5555 1234")
    assert landline.resident_phone == "021-55551234"


def test_a_complaint_needs_the_residents_name_or_phone_unless_anonymous(clerk):
    with pytest.raises(ValidationError) as exc:
        make_complaint(clerk=clerk, resident_name=" ", resident_phone="")
    assert "resident_name" in exc.value.message_dict


def test_an_anonymous_complaint_stores_no_name_or_phone(clerk):
    c = make_complaint(
        clerk=clerk, anonymous=True, resident_name="张三", resident_phone="13812345678"
    )
    c.refresh_from_db()
    assert c.anonymous
    assert c.resident_name == ""
    assert c.resident_phone == ""
    for event in c.events.all():
        assert "张三" not in f"{event.note}{event.data}"
        assert "13812345678" not in f"{event.note}{event.data}"


def test_the_database_refuses_a_named_complaint_without_name_or_phone(clerk):
    c = make_complaint(clerk=clerk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=c.pk).update(resident_name="", resident_phone="")


def test_a_unit_of_another_estate_is_refused(clerk, jr):
    with pytest.raises(ValidationError) as exc:
        make_complaint(clerk=clerk, unit=UnitFactory(estate=jr))
    assert "unit" in exc.value.message_dict


def test_the_desk_of_another_estate_cannot_log_a_complaint_here(other_clerk, ch):
    with pytest.raises(services.NotAllowed):
        make_complaint(clerk=other_clerk, estate=ch)
    assert not Complaint.objects.exists()


# --- numbers ---------------------------------------------------------------------------


def test_numbers_are_sequential_per_estate_and_month(clerk, other_clerk):
    with time_machine.travel(dt.datetime(2026, 11, 15, 10, 0, tzinfo=SH), tick=False):
        first = make_complaint(clerk=clerk)
        second = make_complaint(clerk=clerk)
        other = make_complaint(clerk=other_clerk)
        third = make_complaint(clerk=clerk)
    assert [first.number, second.number, third.number] == [
        "TS-202611-0001",
        "TS-202611-0002",
        "TS-202611-0003",
    ]
    assert other.number == "TS-202611-0001"


def test_numbering_restarts_in_a_new_month_by_shanghai_time(clerk):
    with time_machine.travel(dt.datetime(2026, 11, 30, 23, 55, tzinfo=SH), tick=False):
        november = [make_complaint(clerk=clerk).number for _ in range(2)]
    # 00:05 on 1 December in Shanghai is still 30 November in UTC.
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 5, tzinfo=SH), tick=False):
        december = make_complaint(clerk=clerk).number
    with time_machine.travel(dt.datetime(2027, 1, 3, 9, 0, tzinfo=SH), tick=False):
        january = make_complaint(clerk=clerk).number
    assert november == ["TS-202611-0001", "TS-202611-0002"]
    assert december == "TS-202612-0001"
    assert january == "TS-202701-0001"


def test_a_refused_intake_uses_up_no_number(clerk):
    with time_machine.travel(T0, tick=False):
        make_complaint(clerk=clerk)
        with pytest.raises(ValidationError):
            make_complaint(clerk=clerk, resident_phone="123")
        c = make_complaint(clerk=clerk)
    assert c.number == "TS-202611-0002"


# --- repeats (二次投诉) --------------------------------------------------------------------


def test_a_second_complaint_of_the_same_category_from_the_same_unit_is_a_repeat(clerk, ch):
    unit = UnitFactory(estate=ch)
    first = make_complaint(clerk=clerk, unit=unit, resident_phone="13800000001")
    second = make_complaint(clerk=clerk, unit=unit, resident_phone="13800000002")
    assert second.repeat_of == first
    assert second.is_repeat
    assert second.events.get(kind=EventKind.RECEIVED).data["repeat_of"] == first.number


def test_a_second_complaint_of_the_same_category_from_the_same_phone_is_a_repeat(clerk, ch):
    first = make_complaint(clerk=clerk, unit=UnitFactory(estate=ch))
    second = make_complaint(
        clerk=clerk, unit=UnitFactory(estate=ch), resident_phone="138 1234 5678"
    )
    assert second.repeat_of == first


def test_the_latest_earlier_complaint_is_the_one_repeated(clerk):
    with time_machine.travel(T0, tick=False):
        make_complaint(clerk=clerk)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        latest = make_complaint(clerk=clerk)
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        third = make_complaint(clerk=clerk)
    assert third.repeat_of == latest


def test_a_complaint_of_another_category_is_not_a_repeat(clerk):
    make_complaint(clerk=clerk, category=Category.ENGINEERING)
    second = make_complaint(clerk=clerk, category=Category.CLEANING)
    assert second.repeat_of is None


def test_a_complaint_from_another_unit_and_phone_is_not_a_repeat(clerk, ch):
    make_complaint(clerk=clerk, unit=UnitFactory(estate=ch), resident_phone="13800000001")
    second = make_complaint(clerk=clerk, unit=UnitFactory(estate=ch), resident_phone="13800000002")
    assert second.repeat_of is None


def test_a_repeat_is_looked_for_within_90_days_only(clerk):
    with time_machine.travel(T0, tick=False):
        first = make_complaint(clerk=clerk)
    with time_machine.travel(T0 + dt.timedelta(days=89), tick=False):
        within = make_complaint(clerk=clerk, category=Category.ENGINEERING)
    with time_machine.travel(T0 + dt.timedelta(days=89 + 91), tick=False):
        after = make_complaint(clerk=clerk, category=Category.ENGINEERING)
    assert within.repeat_of == first
    assert after.repeat_of is None


def test_a_complaint_from_the_same_phone_at_another_estate_is_not_a_repeat(clerk, other_clerk):
    make_complaint(clerk=clerk)
    other = make_complaint(clerk=other_clerk)
    assert other.repeat_of is None


def test_an_anonymous_complaint_without_unit_is_not_matched_by_phone(clerk):
    make_complaint(clerk=clerk)
    anonymous = make_complaint(clerk=clerk, anonymous=True, resident_phone="13812345678")
    assert anonymous.repeat_of is None


# --- closing at the desk, and the intake desk's one step -------------------------------


@pytest.mark.parametrize("action", ["on_the_spot", "out_of_scope"])
def test_closing_at_intake_needs_a_note(users, action):
    c = at_status(Status.RECEIVED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    closer = (
        services.complaint_close_on_the_spot
        if action == "on_the_spot"
        else services.complaint_mark_out_of_scope
    )
    with pytest.raises(services.ComplaintError):
        closer(actor=users["clerk"], complaint_id=c.pk, note=" ")
    assert snapshot(c) == before


def test_intake_with_route_logs_and_routes_in_one_step(clerk, eng):
    c = intake(clerk, "route", department=eng)
    c.refresh_from_db()
    assert c.status == Status.ROUTED
    assert c.department == eng
    assert kinds(c) == [EventKind.RECEIVED, EventKind.GRADED, EventKind.ROUTED]


def test_intake_on_the_spot_closes_it_as_handled_and_informed_at_once(clerk):
    c = intake(clerk, "on_the_spot", outcome_note="当场更换灯泡")
    c.refresh_from_db()
    assert c.status == Status.CLOSED
    assert c.closure == Closure.ON_THE_SPOT
    assert c.in_scope
    assert c.handled_at == c.informed_at == c.closed_at
    assert c.handling_note == "当场更换灯泡"
    assert c.next_due is None
    assert kinds(c) == [EventKind.RECEIVED, EventKind.GRADED, EventKind.CLOSED]
    assert c.events.last().data["closure"] == Closure.ON_THE_SPOT


def test_intake_out_of_scope_is_closed_and_still_kept(clerk, supervisor):
    c = intake(clerk, "out_of_scope", outcome_note="属于燃气公司管辖，已向住户解释")
    c.refresh_from_db()
    assert c.status == Status.CLOSED
    assert c.closure == Closure.OUT_OF_SCOPE
    assert c.in_scope is False
    assert c.handled_at is None
    assert c.number.startswith("TS-")
    assert kinds(c) == [EventKind.RECEIVED, EventKind.GRADED, EventKind.CLOSED]
    assert Complaint.objects.filter(pk=c.pk, in_scope=False).exists()


def test_intake_with_route_needs_a_department(clerk):
    with pytest.raises(ValidationError) as exc:
        intake(clerk, "route")
    assert "department" in exc.value.message_dict
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("outcome", ["on_the_spot", "out_of_scope"])
def test_intake_closed_at_the_desk_needs_a_note(clerk, outcome):
    with pytest.raises(ValidationError) as exc:
        intake(clerk, outcome, outcome_note="  ")
    assert "outcome_note" in exc.value.message_dict
    assert not Complaint.objects.exists()


def test_intake_is_all_or_nothing_when_routing_fails(clerk, jr):
    with pytest.raises(services.ComplaintError):
        intake(clerk, "route", department=department(jr))
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()
    assert not ComplaintCounter.objects.filter(last__gt=0).exists()


def test_an_out_of_scope_complaint_cannot_be_routed(users):
    c = intake(users["clerk"], "out_of_scope", outcome_note="非公司职责范围，已解释")
    before = snapshot(c)
    with pytest.raises(services.IllegalTransition):
        ACTIONS["route"](c, users)
    assert snapshot(c) == before


def test_an_out_of_scope_complaint_reopened_still_cannot_be_routed(users):
    c = intake(users["clerk"], "out_of_scope", outcome_note="非公司职责范围，已解释")
    ACTIONS["reopen"](c, users)
    before = snapshot(c)
    with pytest.raises(services.IllegalTransition):
        ACTIONS["route"](c, users)
    assert snapshot(c) == before


def test_a_complaint_received_as_out_of_scope_cannot_be_routed(users):
    c = make_complaint(clerk=users["clerk"], in_scope=False)
    before = snapshot(c)
    with pytest.raises(services.IllegalTransition):
        ACTIONS["route"](c, users)
    assert snapshot(c) == before


# --- free text is capped at what the paper forms hold ----------------------------------


def test_text_longer_than_the_form_allows_is_refused_beside_each_field_and_nothing_saved(
    clerk, users
):
    with pytest.raises(ValidationError) as refused:
        intake(
            clerk,
            "on_the_spot",
            description="漏" * (limits.DESCRIPTION + 1),
            demand="修" * (limits.DEMAND + 1),
            outcome_note="说" * (limits.NOTE + 1),
        )
    errors = refused.value.message_dict
    assert set(errors) == {"description", "demand", "outcome_note"}
    assert str(limits.DESCRIPTION) in errors["description"][0]
    assert not Complaint.objects.exists()


def test_text_at_the_limit_is_accepted(clerk, users):
    c = intake(clerk, "route", department=users["eng"], description="漏" * limits.DESCRIPTION)
    assert len(c.description) == limits.DESCRIPTION


def test_a_note_longer_than_the_form_allows_is_refused_by_every_action(users):
    c = at_status(Status.SIGNED, clerk=users["clerk"], head=users["head"])
    before = snapshot(c)
    with pytest.raises(services.ComplaintError, match=str(limits.NOTE)):
        services.complaint_handle(
            actor=users["head"], complaint_id=c.pk, note="修" * (limits.NOTE + 1)
        )
    with pytest.raises(services.ComplaintError, match=str(limits.NOTE)):
        services.complaint_add_note(
            actor=users["clerk"], complaint_id=c.pk, note="记" * (limits.NOTE + 1)
        )
    assert snapshot(c) == before
