"""A department head reveals the resident's number on a complaint routed to the
department, in Chromium: the page shows it masked, one click shows it in full with a
tap-to-call link; the manager finds the reveal in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from staff.models import ContactReveal
from tests.factories.complaints import advance, make_complaint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME, PHONE = "欧阳娜娜", "13987654321"


def _login(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def test_a_head_reveals_a_number_and_the_manager_sees_the_record(
    page, browser, live_server, clerk, dept_head, manager, password
):
    c = make_complaint(clerk=clerk, resident_name=NAME, resident_phone=PHONE)
    advance(c, to="routed", clerk=clerk, head=dept_head)
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, live_server.url, dept_head.username, password)
    page.goto(f"{live_server.url}{reverse('complaints:detail', args=[c.pk])}")
    resident = page.get_by_test_id("resident")
    expect(resident).to_contain_text("139****4321")
    expect(resident).not_to_contain_text(PHONE)
    resident.get_by_test_id("reveal").click()
    tel = resident.get_by_test_id("contact-tel")
    expect(tel).to_have_text(PHONE)
    expect(tel).to_have_attribute("href", f"tel:{PHONE}")
    expect(resident).to_contain_text(NAME)
    assert ContactReveal.objects.filter(user=dept_head, case_id=c.pk, how="view").count() == 2

    other = browser.new_page()
    other.set_viewport_size({"width": 1280, "height": 900})
    _login(other, live_server.url, manager.username, password)
    other.goto(f"{live_server.url}{reverse('admin:staff_contactreveal_changelist')}")
    rows = other.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(c.number)
    expect(rows.first).to_contain_text(dept_head.username)
    other.close()
