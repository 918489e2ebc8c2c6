"""The admin as managers use it: people by name, departments without a head, the
holidays button, the complaint list's columns, our header and the lockout records in
Chinese. The demo data gives every department a head."""

import logging

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.urls import reverse

from complaints.admin import event_details
from staff import selectors
from staff.models import CalendarDay, Company, Department, StaffProfile
from staff.roles import Role
from staff.templatetags.staff_tags import person_with_username
from tests.factories.complaints import make_complaint
from tests.factories.staff import UserFactory

ZH = {"django_language": "zh-hans"}


@pytest.fixture
def admin_client(client, manager):
    client.force_login(manager)
    client.cookies.load(ZH)
    return client


def _page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


# --- 1. people by name ---------------------------------------------------------------------


def test_person_with_username():
    assert person_with_username(UserFactory.build(username="clerk")) == "王测试 (clerk)"
    nameless = UserFactory.build(username="ops", last_name="", first_name="")
    assert person_with_username(nameless) == "ops"
    assert person_with_username(None) == ""


def test_department_head_shown_and_chosen_by_name(admin_client, dept_head, eng):
    eng.head = dept_head
    eng.save(update_fields=["head"])
    body = _page(admin_client, reverse("admin:staff_department_changelist"))
    assert "王测试 (eng_head)" in body
    form = _page(admin_client, reverse("admin:staff_department_change", args=[eng.pk]))
    assert f'<option value="{dept_head.pk}" selected>王测试 (eng_head)</option>' in form


def test_staff_profiles_listed_by_name(admin_client, clerk):
    body = _page(admin_client, reverse("admin:staff_staffprofile_changelist"))
    assert "王测试 (clerk)" in body


def test_handling_log_in_the_admin_names_the_actor(admin_client, clerk):
    complaint = make_complaint(clerk=clerk)
    body = _page(admin_client, reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert "王测试 (clerk)" in body  # received by, and the log's actor
    events = _page(admin_client, reverse("admin:complaints_complaintevent_changelist"))
    assert "王测试 (clerk)" in events


def test_event_details_in_words():
    with_language = event_details({"grade": "important", "previous": "minor", "department_id": 3})
    assert with_language == "级别：重要；调整前：轻微"


# --- 2. departments without a head ---------------------------------------------------------


def test_department_has_head(ch, dept_head, eng, cleaning):
    assert selectors.department_has_head(eng.pk)  # a department-head profile works there
    assert not selectors.department_has_head(cleaning.pk)
    assert not selectors.department_has_head(None)
    cleaning.head = dept_head
    cleaning.save(update_fields=["head"])
    assert selectors.department_has_head(cleaning.pk)
    dept_head.is_active = False
    dept_head.save(update_fields=["is_active"])
    assert not selectors.department_has_head(eng.pk)


def test_changelist_warns_per_estate_and_filters_headless(admin_client, eng, cleaning, jr):
    response = admin_client.get(reverse("admin:staff_department_changelist"))
    warnings = [str(m) for m in response.context["messages"]]
    assert len(warnings) == 1  # jr has no departments
    assert "翠湖花园：1 个部门没有主管（保洁）" in warnings[0]
    url = reverse("admin:staff_department_changelist")
    assert _listed(admin_client, url, has_head="no") == [cleaning]
    assert _listed(admin_client, url, has_head="yes") == [eng]
    assert "无主管" in _page(admin_client, url)  # the filter's choice


def _listed(client, url, **params):
    return list(client.get(url, params).context["cl"].result_list)


def test_no_warning_when_every_department_has_a_head(admin_client, eng):
    response = admin_client.get(reverse("admin:staff_department_changelist"))
    assert list(response.context["messages"]) == []


# --- 3. demo data --------------------------------------------------------------------------


def test_demo_data_gives_every_department_a_head(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # idempotent  # noqa: SIM115
    assert not selectors.departments_without_head().exists()
    assert not Department.objects.filter(head__isnull=True).exists()
    cleaning = Department.objects.get(estate__code="CH", kind=Department.Kind.CLEANING)
    assert cleaning.head.username == "head_cleaning"
    assert cleaning.head.staff_profile.role == Role.DEPARTMENT_HEAD
    assert cleaning.head.groups.filter(name=Role.DEPARTMENT_HEAD).exists()
    jr_parking = Department.objects.get(estate__code="JR", kind=Department.Kind.PARKING)
    assert jr_parking.head.username == "head_parking_jr"
    engineering = Department.objects.get(estate__code="CH", kind=Department.Kind.ENGINEERING)
    assert engineering.head.username == "eng_head"  # the README's login is still the head
    names = {(u.last_name + u.first_name) for u in [d.head for d in Department.objects.all()]}
    assert len(names) == Department.objects.count()  # no two heads share a name
    assert cleaning.head.check_password("demo-pass-2026")
    assert StaffProfile.objects.filter(role=Role.DEPARTMENT_HEAD).count() == 18


# --- 4. holidays ---------------------------------------------------------------------------


def test_load_button_shown_on_an_empty_holidays_page(admin_client, ch):
    assert not CalendarDay.objects.exists()
    body = _page(admin_client, reverse("admin:staff_calendarday_changelist"))
    assert reverse("admin:staff_calendarday_load") in body
    assert "从 chinese-calendar 载入今明两年" in body
    assert "csrfmiddlewaretoken" in body


def test_load_button_loads_days_for_every_company_and_logs(admin_client, ch, caplog):
    other = Company.objects.create(name="另一家物业公司")
    caplog.set_level(logging.INFO, logger="staff.admin")
    response = admin_client.post(reverse("admin:staff_calendarday_load"))
    assert response.status_code == 302
    assert CalendarDay.objects.filter(company=ch.company).exists()
    assert CalendarDay.objects.filter(company=other).exists()
    assert LogEntry.objects.filter(object_id=str(other.pk)).exists()
    assert "calendar days loaded" in caplog.text
    assert admin_client.get(reverse("admin:staff_calendarday_load")).status_code == 405


def test_load_button_of_a_staff_manager_loads_their_company_only(client, ch, clerk):
    other = Company.objects.create(name="另一家物业公司")
    clerk.is_staff = clerk.is_superuser = True
    clerk.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(clerk)
    client.post(reverse("admin:staff_calendarday_load"))
    assert CalendarDay.objects.filter(company=ch.company).exists()
    assert not CalendarDay.objects.filter(company=other).exists()


def test_load_needs_csrf(manager, ch):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    assert strict.post(reverse("admin:staff_calendarday_load")).status_code == 403


# --- 5. the complaint list -----------------------------------------------------------------


def test_complaint_list_has_short_columns(admin_client, clerk, eng):
    make_complaint(clerk=clerk, grade="important")
    body = _page(admin_client, reverse("admin:complaints_complaint_changelist"))
    assert '<td class="field-estate_code">CH</td>' in body
    assert "已受理 · 重要" in body
    assert "翠湖花园 · " not in body  # the department without its estate
    assert "css/admin.css" in body


# --- 6. our header -------------------------------------------------------------------------


def test_admin_header_is_ours(admin_client):
    body = _page(admin_client, reverse("admin:index"))
    assert "物业客服中心 管理后台" in body
    assert "Django" not in body


# --- 7. lockout records in Chinese ---------------------------------------------------------


def test_lockout_records_in_chinese(admin_client):
    AccessAttempt.objects.create(
        username="clerk",
        ip_address="10.0.0.1",
        user_agent="x",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=2,
    )
    index = _page(admin_client, reverse("admin:index"))
    assert "登录锁定" in index and "Access attempts" not in index
    body = _page(admin_client, reverse("admin:axes_accessattempt_changelist"))
    for words in ["登录尝试", "尝试时间", "失败次数", "还可尝试 3 次"]:
        assert words in body
    for english in ["Attempt Time", "Failed Logins", "Attempt Remaining", "Status"]:
        assert english not in body
