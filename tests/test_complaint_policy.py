"""The clocks of SPEC §3 (complaints.policy and complaints.clocks): every grade, every
deadline on both sides of its boundary, in Asia/Shanghai local time, with the numbers
read from the rule book's rows."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from casework import rules as rulebook
from casework.models import ClockRule, Unit
from casework.rules import Rule, RuleBook
from complaints import clocks, policy
from complaints.models import Grade
from staff.calendar import Calendar
from tests.factories.complaints import make_complaint

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
SECOND = dt.timedelta(seconds=1)

# A Tuesday morning, well inside a month (no month or year boundary involved).
RECEIVED = dt.datetime(2026, 11, 10, 9, 0, tzinfo=SH)


def assert_due(due: dt.datetime, expected: dt.datetime) -> None:
    """The deadline falls exactly at ``expected``: a second earlier is still before it,
    a second later is already past it."""
    assert due is not None
    assert expected - SECOND < due, f"{expected - SECOND} should be before {due}"
    assert expected + SECOND > due, f"{expected + SECOND} should be after {due}"
    assert due == expected


def deadlines_for(**kwargs):
    """The deadlines with the rule book as the database holds it now."""
    return clocks.deadlines_for(RuleBook.load(None), **kwargs)


def inform_due_for(handled: dt.datetime) -> dt.datetime:
    return clocks.inform_due_for(RuleBook.load(None), handled)


def add(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    return rulebook.add(start, amount, unit, Calendar(None))


def assert_local(due: dt.datetime) -> None:
    assert due.utcoffset() == dt.timedelta(hours=8)


# --- the default rules -------------------------------------------------------------------


def test_the_migration_loads_a_clock_rule_row_for_every_clock_with_the_seed_numbers():
    rows = {
        r.key: (r.amount, r.unit) for r in ClockRule.objects.filter(key__startswith="complaint.")
    }
    assert set(rows) == {spec.key for spec in policy.RULES}
    assert rows == {spec.key: tuple(spec.default[:2]) for spec in policy.RULES}


def test_load_rules_falls_back_to_the_default_for_a_deleted_row():
    ClockRule.objects.filter(key=policy.ROUTE).delete()
    assert rulebook.load_rules()[policy.ROUTE][:2] == (10, Unit.MINUTES)


# --- every grade, every clock, both sides of the boundary --------------------------------


def test_a_minor_complaint_is_routed_within_10_minutes():
    d = deadlines_for(received_at=RECEIVED, grade=Grade.MINOR)
    nine_59 = RECEIVED + dt.timedelta(minutes=9, seconds=59)
    ten_01 = RECEIVED + dt.timedelta(minutes=10, seconds=1)
    assert nine_59 < d.route_due < ten_01
    assert_due(d.route_due, RECEIVED + dt.timedelta(minutes=10))


def test_a_minor_complaint_is_resolved_within_2_days_and_never_escalated():
    d = deadlines_for(received_at=RECEIVED, grade=Grade.MINOR)
    assert_due(d.resolve_due, dt.datetime(2026, 11, 12, 9, 0, tzinfo=SH))
    assert d.escalate_due is None


def test_a_minor_complaint_becomes_major_after_30_days():
    d = deadlines_for(received_at=RECEIVED, grade=Grade.MINOR)
    assert_due(d.upgrade_due, dt.datetime(2026, 12, 10, 9, 0, tzinfo=SH))


def test_an_important_complaint_is_routed_within_10_minutes():
    d = deadlines_for(received_at=RECEIVED, grade=Grade.IMPORTANT)
    assert_due(d.route_due, RECEIVED + dt.timedelta(minutes=10))


def test_an_important_complaint_reaches_the_office_director_within_1_hour():
    d = deadlines_for(received_at=RECEIVED, grade=Grade.IMPORTANT)
    assert RECEIVED + dt.timedelta(minutes=59, seconds=59) < d.escalate_due
    assert d.escalate_due < RECEIVED + dt.timedelta(hours=1, seconds=1)
    assert_due(d.escalate_due, dt.datetime(2026, 11, 10, 10, 0, tzinfo=SH))


def test_an_important_complaint_is_resolved_within_3_days():
    d = deadlines_for(received_at=RECEIVED, grade=Grade.IMPORTANT)
    assert_due(d.resolve_due, dt.datetime(2026, 11, 13, 9, 0, tzinfo=SH))


def test_an_important_complaint_becomes_major_after_30_days():
    d = deadlines_for(received_at=RECEIVED, grade=Grade.IMPORTANT)
    assert_due(d.upgrade_due, dt.datetime(2026, 12, 10, 9, 0, tzinfo=SH))


def test_a_major_complaint_is_routed_within_10_minutes():
    d = deadlines_for(received_at=RECEIVED, grade=Grade.MAJOR)
    assert_due(d.route_due, RECEIVED + dt.timedelta(minutes=10))


def test_a_major_complaint_reaches_the_general_manager_before_midnight_of_the_same_day():
    d = deadlines_for(received_at=RECEIVED, grade=Grade.MAJOR)
    assert dt.datetime(2026, 11, 10, 23, 59, 59, tzinfo=SH) < d.escalate_due
    assert d.escalate_due < dt.datetime(2026, 11, 11, 0, 0, 1, tzinfo=SH)
    assert_due(d.escalate_due, dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH))


def test_a_major_complaint_gets_a_clear_answer_within_2_days():
    d = deadlines_for(received_at=RECEIVED, grade=Grade.MAJOR)
    assert_due(d.answer_due, dt.datetime(2026, 11, 12, 9, 0, tzinfo=SH))


def test_a_major_complaint_is_resolved_within_10_days_and_has_no_upgrade_clock():
    d = deadlines_for(received_at=RECEIVED, grade=Grade.MAJOR)
    assert_due(d.resolve_due, dt.datetime(2026, 11, 20, 9, 0, tzinfo=SH))
    assert d.upgrade_due is None


@pytest.mark.parametrize("grade", Grade.values)
def test_every_deadline_of_every_grade_is_given_in_shanghai_time(grade):
    d = deadlines_for(received_at=RECEIVED.astimezone(UTC), grade=grade)
    for due in (d.route_due, d.escalate_due, d.answer_due, d.resolve_due, d.upgrade_due):
        if due is not None:
            assert_local(due)


# --- "same day": 24:00 in Shanghai; after working hours, the next morning --------------


def test_a_major_complaint_received_in_working_hours_reaches_the_gm_by_midnight():
    received = dt.datetime(2026, 11, 10, 17, 29, tzinfo=SH)
    d = deadlines_for(received_at=received, grade=Grade.MAJOR)
    assert_due(d.escalate_due, dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH))
    # The same moment given in UTC gives the same local midnight.
    in_utc = deadlines_for(received_at=received.astimezone(UTC), grade=Grade.MAJOR)
    assert in_utc.escalate_due == d.escalate_due


@pytest.mark.parametrize("hhmm", [(17, 30), (20, 0), (23, 50)])
def test_a_major_complaint_received_after_working_hours_is_due_an_hour_into_the_next_morning(
    hhmm,
):
    received = dt.datetime(2026, 11, 10, *hhmm, tzinfo=SH)
    d = deadlines_for(received_at=received, grade=Grade.MAJOR)
    assert_due(d.escalate_due, dt.datetime(2026, 11, 11, 9, 30, tzinfo=SH))


def test_same_day_follows_the_shanghai_date_even_when_the_utc_date_is_the_day_before():
    # 23:00 UTC on the 10th is 07:00 on the 11th in Shanghai: the day is the 11th.
    d = deadlines_for(received_at=dt.datetime(2026, 11, 10, 23, 0, tzinfo=UTC), grade=Grade.MAJOR)
    assert_due(d.escalate_due, dt.datetime(2026, 11, 12, 0, 0, tzinfo=SH))


def test_a_major_complaint_received_exactly_at_midnight_has_the_whole_day():
    received = dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH)
    d = deadlines_for(received_at=received, grade=Grade.MAJOR)
    assert_due(d.escalate_due, dt.datetime(2026, 11, 12, 0, 0, tzinfo=SH))


def test_the_resident_is_told_the_result_before_midnight_of_the_day_it_was_handled():
    handled = dt.datetime(2026, 11, 10, 15, 0, tzinfo=SH)
    due = inform_due_for(handled)
    assert_due(due, dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH))
    assert_local(due)


def test_handling_at_17_00_utc_is_the_next_local_day_for_the_inform_clock():
    handled = dt.datetime(2026, 11, 10, 17, 0, tzinfo=UTC)  # 01:00 on the 11th in Shanghai
    assert_due(inform_due_for(handled), dt.datetime(2026, 11, 12, 0, 0, tzinfo=SH))


# --- add() -------------------------------------------------------------------------------


def test_days_are_calendar_days_at_the_same_wall_clock_time_across_a_month_end():
    start = dt.datetime(2026, 11, 30, 10, 15, tzinfo=SH)
    assert_due(add(start, 2, Unit.DAYS), dt.datetime(2026, 12, 2, 10, 15, tzinfo=SH))


def test_hours_and_minutes_are_added_exactly():
    start = dt.datetime(2026, 12, 31, 23, 30, tzinfo=SH)
    assert_due(add(start, 1, Unit.HOURS), dt.datetime(2027, 1, 1, 0, 30, tzinfo=SH))
    assert_due(add(start, 45, Unit.MINUTES), dt.datetime(2027, 1, 1, 0, 15, tzinfo=SH))


def test_same_day_with_an_amount_of_one_means_midnight_at_the_end_of_the_next_day():
    start = dt.datetime(2026, 11, 10, 8, 0, tzinfo=SH)
    assert_due(add(start, 1, Unit.SAME_DAY), dt.datetime(2026, 11, 12, 0, 0, tzinfo=SH))


def test_an_unknown_clock_unit_is_refused():
    with pytest.raises(ValueError, match="fortnights"):
        add(RECEIVED, 1, "fortnights")


# --- the resident's requested deadline (minor complaints) --------------------------------


def test_a_requested_date_sooner_than_two_days_counts_to_the_end_of_that_day():
    d = deadlines_for(
        received_at=RECEIVED, grade=Grade.MINOR, requested_deadline=dt.date(2026, 11, 11)
    )
    assert_due(d.resolve_due, dt.datetime(2026, 11, 12, 0, 0, tzinfo=SH))
    assert_local(d.resolve_due)


def test_a_requested_date_of_the_receipt_day_means_before_midnight_that_day():
    d = deadlines_for(
        received_at=RECEIVED, grade=Grade.MINOR, requested_deadline=dt.date(2026, 11, 10)
    )
    assert dt.datetime(2026, 11, 10, 23, 59, 59, tzinfo=SH) < d.resolve_due
    assert_due(d.resolve_due, dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH))


def test_a_requested_date_later_than_the_two_day_clock_is_ignored():
    # The end of the 12th is later than the 12th at 09:00: the two-day clock wins.
    d = deadlines_for(
        received_at=RECEIVED, grade=Grade.MINOR, requested_deadline=dt.date(2026, 11, 12)
    )
    assert_due(d.resolve_due, dt.datetime(2026, 11, 12, 9, 0, tzinfo=SH))


def test_a_requested_date_is_only_used_when_it_is_sooner_at_the_boundary():
    # Received at 23:30 on the 10th: two days is the 12th at 23:30, the end of the 12th
    # is half an hour later, so the resident's date is not used; the 11th is.
    late = dt.datetime(2026, 11, 10, 23, 30, tzinfo=SH)
    on_12th = deadlines_for(
        received_at=late, grade=Grade.MINOR, requested_deadline=dt.date(2026, 11, 12)
    )
    on_11th = deadlines_for(
        received_at=late, grade=Grade.MINOR, requested_deadline=dt.date(2026, 11, 11)
    )
    assert_due(on_12th.resolve_due, dt.datetime(2026, 11, 12, 23, 30, tzinfo=SH))
    assert_due(on_11th.resolve_due, dt.datetime(2026, 11, 12, 0, 0, tzinfo=SH))


@pytest.mark.parametrize("grade", [Grade.IMPORTANT, Grade.MAJOR])
def test_a_requested_date_does_not_change_an_important_or_major_complaint(grade):
    asked = deadlines_for(
        received_at=RECEIVED, grade=grade, requested_deadline=dt.date(2026, 11, 10)
    )
    plain = deadlines_for(received_at=RECEIVED, grade=grade)
    assert asked == plain


# --- managers change the numbers in the admin --------------------------------------------


def set_rule(clock: str, amount: int, unit: str) -> None:
    ClockRule.objects.update_or_create(key=clock, defaults={"amount": amount, "unit": unit})


def test_a_manager_lengthening_the_route_clock_moves_the_route_deadline():
    set_rule(policy.ROUTE, 15, Unit.MINUTES)
    d = deadlines_for(received_at=RECEIVED, grade=Grade.MINOR)
    assert_due(d.route_due, RECEIVED + dt.timedelta(minutes=15))


def test_a_manager_changing_the_unit_of_a_clock_changes_the_deadline():
    set_rule(policy.RESOLVE_MINOR, 36, Unit.HOURS)
    d = deadlines_for(received_at=RECEIVED, grade=Grade.MINOR)
    assert_due(d.resolve_due, dt.datetime(2026, 11, 11, 21, 0, tzinfo=SH))


def test_a_manager_changing_the_escalation_of_major_complaints_to_2_hours_moves_it():
    set_rule(policy.ESCALATE_MAJOR, 2, Unit.HOURS)
    d = deadlines_for(received_at=RECEIVED, grade=Grade.MAJOR)
    assert_due(d.escalate_due, dt.datetime(2026, 11, 10, 11, 0, tzinfo=SH))


def test_a_manager_changing_the_inform_clock_changes_inform_due():
    set_rule(policy.INFORM, 4, Unit.HOURS)
    handled = dt.datetime(2026, 11, 10, 15, 0, tzinfo=SH)
    assert_due(inform_due_for(handled), dt.datetime(2026, 11, 10, 19, 0, tzinfo=SH))


def test_rules_passed_in_are_used_instead_of_the_database():
    set_rule(policy.ROUTE, 15, Unit.MINUTES)
    rules = dict(rulebook.load_rules())
    rules[policy.ROUTE] = Rule(5, Unit.MINUTES, rules[policy.ROUTE].remind_at_percent)
    book = RuleBook(rules, Calendar(None))
    d = clocks.deadlines_for(book, received_at=RECEIVED, grade=Grade.MINOR)
    assert_due(d.route_due, RECEIVED + dt.timedelta(minutes=5))


def test_a_complaint_logged_after_a_rule_change_stores_the_new_deadline(clerk):
    set_rule(policy.ROUTE, 20, Unit.MINUTES)
    set_rule(policy.RESOLVE_IMPORTANT, 5, Unit.DAYS)
    with time_machine.travel(RECEIVED, tick=False):
        c = make_complaint(clerk=clerk, grade=Grade.IMPORTANT)
    c.refresh_from_db()
    assert_due(c.route_due, RECEIVED + dt.timedelta(minutes=20))
    assert_due(c.resolve_due, dt.datetime(2026, 11, 15, 9, 0, tzinfo=SH))
    assert_due(c.escalate_due, RECEIVED + dt.timedelta(hours=1))
    # The nearest open deadline is routing.
    assert c.next_due == c.route_due
