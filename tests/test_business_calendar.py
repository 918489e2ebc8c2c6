import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from staff import calendar as bc
from staff.models import BusinessCalendar, CalendarDay, Company

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def company():
    return Company.objects.create(name="测试物业")


def at(y, m, d, hh=9, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def test_the_package_knows_2026_make_up_days_and_holidays(company):
    cal = bc.Calendar(company.pk)
    assert cal.is_workday(dt.date(2026, 2, 14))  # Saturday, make-up working day
    assert not cal.is_workday(dt.date(2026, 10, 1))  # National Day
    assert cal.is_workday(dt.date(2026, 11, 23))  # an ordinary Monday
    assert not cal.is_workday(dt.date(2026, 11, 22))  # an ordinary Sunday


def test_a_year_without_data_falls_back_to_weekends(company):
    cal = bc.Calendar(company.pk)
    assert not bc.package_knows_year(2027)
    assert cal.is_workday(dt.date(2027, 1, 4))  # Monday
    assert not cal.is_workday(dt.date(2027, 1, 2))  # Saturday


def test_what_managers_enter_wins(company):
    CalendarDay.objects.create(company=company, date=dt.date(2027, 1, 1), kind="holiday")
    CalendarDay.objects.create(company=company, date=dt.date(2027, 2, 6), kind="workday")
    CalendarDay.objects.create(company=company, date=dt.date(2026, 11, 23), kind="holiday")
    cal = bc.Calendar(company.pk)
    assert not cal.is_workday(dt.date(2027, 1, 1))  # a Friday off
    assert cal.is_workday(dt.date(2027, 2, 6))  # a Saturday at work
    assert not cal.is_workday(dt.date(2026, 11, 23))  # overrides the package too
    assert bc.year_is_known(company, 2027)


def test_working_days_skip_a_holiday_and_count_a_make_up_day(company):
    cal = bc.Calendar(company.pk)
    # Friday 2026-02-13 + 1 working day: Saturday 02-14 is a make-up working day.
    assert cal.add_working_days(at(2026, 2, 13), 1) == at(2026, 2, 14, 17, 30)
    # Wednesday 2026-09-30 + 1 working day: National Day holiday until 10-07,
    # then 10-08 (the package's schedule).
    due = cal.add_working_days(at(2026, 9, 30), 1)
    assert timezone.localtime(due).date() > dt.date(2026, 10, 7)


def test_working_hours_come_from_the_company(company):
    BusinessCalendar.objects.create(company=company, work_start="09:00", work_end="18:00")
    cal = bc.Calendar(company.pk)
    assert cal.add_working_days(at(2026, 11, 23), 1) == at(2026, 11, 24, 18, 0)
    assert cal.in_working_hours(at(2026, 11, 23, 9, 0))
    assert not cal.in_working_hours(at(2026, 11, 23, 8, 59))
    assert not cal.in_working_hours(at(2026, 11, 22, 10, 0))  # Sunday


def test_seed_year_copies_the_package_once(company):
    added = bc.seed_year(company, 2026)
    assert added > 10
    assert CalendarDay.objects.get(company=company, date=dt.date(2026, 2, 14)).kind == "workday"
    assert bc.seed_year(company, 2026) == 0
    assert bc.seed_year(company, 2027) == 0  # unknown to the package: nothing invented


def test_admin_warns_when_next_year_is_missing(client, manager, company):
    client.force_login(manager)
    response = client.get(reverse("admin:staff_calendarday_changelist"))
    assert response.status_code == 200
    assert str(timezone.localdate().year + 1) in " ".join(
        str(m) for m in response.context["messages"]
    )


def test_admin_stops_warning_once_next_year_is_entered(client, manager, company):
    next_year = timezone.localdate().year + 1
    CalendarDay.objects.create(company=company, date=dt.date(next_year, 1, 1), kind="holiday")
    client.force_login(manager)
    response = client.get(reverse("admin:staff_calendarday_changelist"))
    assert not [m for m in response.context["messages"] if str(next_year) in str(m)]
