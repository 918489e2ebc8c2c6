"""Residents' contact data (staff.privacy; PIPL): masked on every page, print and list
for everyone; revealed in one click, recorded, only where the role and the case need it
(the desk; the head of the department a complaint is routed to while it is open; the
technician of an order while it is open); printed forms full and recorded for them,
masked for anyone else; masked in the database after the retention period without
changing a report; never in notifications, emails or logs."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from repairs.models import Status as RepairStatus
from reports.monthly import build_report
from staff import privacy
from staff.models import ContactReveal, ContactRole, Delivery, Notification
from staff.roles import Role
from tests.factories.complaints import advance, make_complaint
from tests.factories.repairs import advance as advance_order
from tests.factories.repairs import make_order
from tests.factories.staff import make_staff

NAME, PHONE = "欧阳娜娜", "13987654321"
MASKED_PHONE = "139****4321"
SH = ZoneInfo("Asia/Shanghai")


def test_masks():
    assert privacy.mask_phone("13812345678") == "138****5678"
    assert privacy.mask_phone("0731-88889999") == "073****9999"
    assert privacy.mask_phone("12345") == "1****"
    assert privacy.mask_name("王小明") == "王**" and privacy.mask_name("王") == "王"
    assert privacy.mask_name(privacy.mask_name(NAME)) == "欧***"
    assert privacy.mask_phone(MASKED_PHONE) == MASKED_PHONE
    assert privacy.mask_phone("") == "" and privacy.mask_name("") == ""


@pytest.fixture
def routed(clerk, dept_head):
    c = make_complaint(clerk=clerk, resident_name=NAME, resident_phone=PHONE)
    return advance(c, to="routed", clerk=clerk, head=dept_head)


def page_of(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def reveal(client, user, key, pk):
    client.force_login(user)
    return client.post(reverse("contact_reveal", args=[key, pk]), HTTP_X_REQUESTED_WITH="fetch")


def test_the_complaint_page_masks_for_everyone_and_offers_the_reveal_where_needed(
    client, routed, clerk, dept_head, director, supervisor, cleaning
):
    other_head = make_staff("head_cleaning", Role.DEPARTMENT_HEAD, routed.estate)
    other_head.staff_profile.department = cleaning
    other_head.staff_profile.save()
    url = reverse("complaints:detail", args=[routed.pk])
    expected = {clerk: True, supervisor: True, dept_head: True, director: False}
    for user, can in expected.items():
        html = page_of(client, user, url)
        assert PHONE not in html and NAME not in html, user
        assert MASKED_PHONE in html and "欧***" in html, user
        assert ('data-testid="reveal"' in html) is can, user
        response = reveal(client, user, "complaint", routed.pk)
        assert response.status_code == (200 if can else 403), user
    # The head of another department cannot open it at all.
    assert reveal(client, other_head, "complaint", routed.pk).status_code == 404


def test_a_reveal_is_recorded_and_answers_the_full_data(client, routed, dept_head, other_clerk):
    response = reveal(client, dept_head, "complaint", routed.pk)
    html = response.content.decode()
    assert PHONE in html and NAME in html and f'href="tel:{PHONE}"' in html
    assert response["Cache-Control"] == "no-store"
    rows = list(ContactReveal.objects.values_list("user", "case_type", "case_id", "field", "how"))
    assert sorted(rows) == [
        (dept_head.pk, "complaint", routed.pk, "name", "view"),
        (dept_head.pk, "complaint", routed.pk, "phone", "view"),
    ]
    assert ContactReveal.objects.first().case_number == routed.number
    # Another estate's desk: not even the case.
    assert reveal(client, other_clerk, "complaint", routed.pk).status_code == 404
    assert ContactReveal.objects.count() == 2
    # Without script: a page of its own with the same, and a GET reveals nothing.
    client.force_login(dept_head)
    page = client.post(reverse("contact_reveal", args=["complaint", routed.pk]))
    assert page.status_code == 200 and PHONE in page.content.decode()
    assert client.get(reverse("contact_reveal", args=["complaint", routed.pk])).status_code == 405
    assert client.post(reverse("contact_reveal", args=["nothing", routed.pk])).status_code == 404


def test_the_head_no_longer_needs_it_once_the_complaint_is_closed(client, clerk, dept_head):
    c = make_complaint(clerk=clerk, resident_name=NAME, resident_phone=PHONE)
    advance(c, to="closed", clerk=clerk, head=dept_head)
    assert reveal(client, dept_head, "complaint", c.pk).status_code == 403
    assert reveal(client, clerk, "complaint", c.pk).status_code == 200


def test_managers_choose_the_roles(client, routed, dept_head):
    ContactRole.objects.filter(role=Role.DEPARTMENT_HEAD).update(may_reveal=False)
    html = page_of(client, dept_head, reverse("complaints:detail", args=[routed.pk]))
    assert 'data-testid="reveal"' not in html
    assert reveal(client, dept_head, "complaint", routed.pk).status_code == 403


def test_prints_are_full_and_recorded_for_who_needs_them_masked_for_others(
    client, routed, clerk, director
):
    url = reverse("complaints:print", args=[routed.pk])
    html = page_of(client, clerk, url)
    assert PHONE in html and NAME in html
    assert ContactReveal.objects.filter(user=clerk, how="print").count() == 2
    html = page_of(client, director, url)
    assert PHONE not in html and MASKED_PHONE in html
    assert not ContactReveal.objects.filter(user=director).exists()


def test_the_technician_of_an_open_order(client, clerk, technician, tech2):
    o = make_order(clerk=clerk, resident_name=NAME, resident_phone=PHONE)
    o = advance_order(o, to="taken", clerk=clerk, technician=technician)
    html = page_of(client, technician, reverse("repairs:detail", args=[o.pk]))
    assert PHONE not in html and 'data-testid="reveal"' in html
    assert reveal(client, technician, "repair", o.pk).status_code == 200
    assert reveal(client, tech2, "repair", o.pk).status_code in (403, 404)
    html = page_of(client, technician, reverse("repairs:print", args=[o.pk]))
    assert PHONE in html  # the 《维修服务通知单》 he takes along, recorded
    assert ContactReveal.objects.filter(user=technician, how="print").exists()
    advance_order(o, to=RepairStatus.CLOSED, clerk=clerk, technician=technician)
    assert reveal(client, technician, "repair", o.pk).status_code == 403


def test_the_callback_desk_and_the_intake_lookup(client, clerk, dept_head, ch):
    from staff.models import Resident, Unit

    c = make_complaint(clerk=clerk, resident_name=NAME, resident_phone=PHONE)
    advance(c, to="closed", clerk=clerk, head=dept_head)
    cb = c.callbacks.get()
    for url in (reverse("callbacks:list"), reverse("callbacks:record", args=[cb.pk])):
        html = page_of(client, clerk, url)
        assert PHONE not in html and MASKED_PHONE in html and 'data-testid="reveal"' in html
    unit = Unit.objects.create(estate=ch, building="9", room="909")
    Resident.objects.create(unit=unit, name=NAME, phone=PHONE)
    html = page_of(client, clerk, reverse("complaints:intake") + "?q=909")
    assert PHONE not in html and MASKED_PHONE in html


# --- retention ------------------------------------------------------------------------------


def test_retention_masks_old_closed_cases_and_the_report_stays(clerk, dept_head, settings):
    settings.CONTACT_RETENTION_DAYS = 3 * 365
    old_day = dt.datetime(2023, 11, 5, 10, 0, tzinfo=SH)
    with time_machine.travel(old_day, tick=False):
        old = advance(
            make_complaint(clerk=clerk, resident_name=NAME, resident_phone=PHONE),
            to="closed",
            clerk=clerk,
            head=dept_head,
        )
        still_open = make_complaint(clerk=clerk, resident_name="李四", resident_phone="13800001111")
    recent_day = dt.datetime(2026, 11, 5, 10, 0, tzinfo=SH)
    with time_machine.travel(recent_day, tick=False):
        recent = advance(
            make_complaint(clerk=clerk, resident_name="张三", resident_phone="13700002222"),
            to="closed",
            clerk=clerk,
            head=dept_head,
        )
    estate = [clerk.staff_profile.estate_id]
    before = build_report(estate, dt.date(2023, 11, 1), now=old_day + dt.timedelta(days=30))
    closed_at = Complaint.objects.get(pk=old.pk).closed_at
    # The day before the three years are up: nothing; the day after: masked.
    privacy.mask_old_contacts(now=closed_at + dt.timedelta(days=3 * 365) - dt.timedelta(seconds=1))
    assert Complaint.objects.get(pk=old.pk).resident_phone == PHONE
    now = closed_at + dt.timedelta(days=3 * 365, seconds=1)
    done = privacy.mask_old_contacts(now=now)
    assert done["complaint"] == 1
    old.refresh_from_db(), recent.refresh_from_db(), still_open.refresh_from_db()
    assert (old.resident_name, old.resident_phone) == ("欧***", MASKED_PHONE)
    assert recent.resident_phone == "13700002222" and still_open.resident_phone == "13800001111"
    assert privacy.mask_old_contacts(now=now)["complaint"] == 0  # once
    after = build_report(estate, dt.date(2023, 11, 1), now=old_day + dt.timedelta(days=30))
    assert after == before


def test_the_nightly_job_is_scheduled(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "staff.tasks.mask_old_contacts" in tasks


def test_anonymous_complaints_store_no_contact(clerk):
    c = make_complaint(clerk=clerk, anonymous=True, resident_name=NAME, resident_phone=PHONE)
    assert (c.resident_name, c.resident_phone) == ("", "")


# --- notifications and logs -------------------------------------------------------------------


def test_no_resident_contact_in_notifications_emails_or_logs(
    caplog, clerk, dept_head, duty_officer, director, technician, supervisor
):
    from helpdesk import services as helpdesk

    caplog.set_level(logging.DEBUG)
    c = make_complaint(clerk=clerk, resident_name=NAME, resident_phone=PHONE)
    advance(c, to="closed", clerk=clerk, head=dept_head)
    o = make_order(clerk=clerk, resident_name=NAME, resident_phone=PHONE)
    advance_order(o, to="taken", clerk=clerk, technician=technician)
    helpdesk.request_receive(
        actor=clerk,
        estate=clerk.staff_profile.estate,
        kind="medical",
        channel="phone",
        question="老人晕倒",
        location="3栋",
        resident_name=NAME,
        resident_phone=PHONE,
    )
    texts = [f"{n.subject} {n.body} {n.link}" for n in Notification.objects.all()]
    texts += [f"{d.subject} {d.body} {d.target}" for d in Delivery.objects.all()]
    assert texts, "the flow tells people things"
    texts += [r.getMessage() for r in caplog.records]
    for text in texts:
        assert NAME not in text and PHONE not in text and PHONE[-8:] not in text, text


def test_what_is_revealed_is_escaped(client, clerk):
    c = make_complaint(clerk=clerk, resident_name="<img src=x>", resident_phone=PHONE)
    html = reveal(client, clerk, "complaint", c.pk).content.decode()
    assert "<img src=x>" not in html and "&lt;img src=x&gt;" in html


def test_the_monthly_report_and_its_exports_carry_no_resident_contact(clerk):
    import json

    from reports.exports import report_csv, report_xlsx

    make_complaint(clerk=clerk, resident_name=NAME, resident_phone=PHONE, target_staff="李师傅")
    month = timezone.localdate().replace(day=1)
    data = build_report([clerk.staff_profile.estate_id], month)
    text = json.dumps(data, ensure_ascii=False) + str(report_csv(data, ladder=True))
    assert NAME not in text and PHONE not in text
    assert "李师傅" in text  # the staff complained about are not residents
    assert report_xlsx(data, title="t", ladder=True)


def test_every_role_has_its_row_and_a_managers_choice_survives_a_migrate(db):
    from staff.services import contact_roles_ensure

    rows = dict(ContactRole.objects.values_list("role", "may_reveal"))
    assert set(rows) == set(Role.values)
    assert {r for r, may in rows.items() if may} == set(ContactRole.DEFAULTS)
    ContactRole.objects.filter(role=Role.TECHNICIAN).update(may_reveal=False)
    contact_roles_ensure()  # what every migrate runs
    assert not ContactRole.objects.get(role=Role.TECHNICIAN).may_reveal
