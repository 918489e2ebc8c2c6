"""A complaint's whole life through the real UI in Chromium: the clerk takes it on the
phone, the engineering head signs for it and records the handling, the clerk tells the
resident and closes it.

Selectors use name attributes, data-testid and form actions, not visible text (the
translations change); complaint numbers and descriptions are data and may be matched.
Screenshots go to /tmp/shots/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from complaints.models import Complaint, EventKind, Status
from tests.factories.complaints import advance, make_complaint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "卫生间顶棚漏水，楼上住户不在家，请尽快处理"
PHONE_WIDTH = 375


def _logout(page):
    page.locator(f"form[action='{reverse('logout')}'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def _submit(page, action: str):
    """Submit the action form ``action-<name>`` of the detail page and wait for the page."""
    with page.expect_navigation():
        page.get_by_test_id(f"action-{action}").locator("button[type=submit]").click()


def test_complaint_goes_from_phone_call_to_closed_through_the_ui(
    login, live_server, page, clerk, dept_head, password, shots
):
    engineering = dept_head.staff_profile.department

    # The clerk takes the call at the intake desk.
    login("clerk", password)
    expect(page).to_have_url(re.compile(r"/complaints/intake/$"))
    page.fill("textarea[name=description]", DESCRIPTION)
    page.select_option("select[name=category]", "engineering")
    page.select_option("select[name=grade]", "minor")
    page.fill("input[name=resident_name]", "王五")
    page.fill("input[name=resident_phone]", "13812345678")
    expect(page.locator("input[name=outcome][value=route]")).to_be_checked()
    page.select_option("select[name=department]", str(engineering.pk))
    page.screenshot(path=str(shots / "intake.png"), full_page=True)
    with page.expect_navigation():
        page.locator("#intake-form button[type=submit]").click()

    complaint = Complaint.objects.get()
    detail_url = reverse("complaints:detail", args=[complaint.pk])
    expect(page).to_have_url(re.compile(rf"{re.escape(detail_url)}$"))
    expect(page.get_by_test_id("page-title")).to_contain_text(complaint.number)
    expect(page.get_by_test_id("description")).to_contain_text(DESCRIPTION)
    assert complaint.status == Status.ROUTED
    assert complaint.department == engineering
    _logout(page)

    # The engineering head finds it in the queue, signs for it and records the handling.
    login("eng_head", password)
    expect(page).to_have_url(re.compile(r"/complaints/queue/$"))
    queue = page.get_by_test_id("complaint-table")
    expect(queue).to_contain_text(complaint.number)
    with page.expect_navigation():
        queue.locator(f"a[href='{detail_url}']").click()
    expect(page.get_by_test_id("page-title")).to_contain_text(complaint.number)
    expect(page.get_by_test_id("action-handle")).to_have_count(0)
    _submit(page, "sign")
    expect(page.get_by_test_id("action-sign")).to_have_count(0)
    page.get_by_test_id("action-handle").locator("textarea[name=note]").fill(
        "已更换楼上破裂的水管，顶棚已晾干"
    )
    _submit(page, "handle")
    expect(page.get_by_test_id("action-handle")).to_have_count(0)
    complaint.refresh_from_db()
    assert complaint.status == Status.HANDLED
    _logout(page)

    # The clerk finds it by its number, tells the resident and closes it.
    login("clerk", password)
    page.goto(f"{live_server.url}{reverse('complaints:list')}")
    page.fill("input[name=q]", complaint.number)
    with page.expect_navigation():
        page.locator("form.filter-form button[type=submit]").click()
    with page.expect_navigation():
        page.get_by_test_id("complaint-table").locator(f"a[href='{detail_url}']").click()
    page.get_by_test_id("action-inform").locator("select[name=method]").select_option("phone")
    _submit(page, "inform")
    expect(page.get_by_test_id("action-close")).to_have_count(1)
    _submit(page, "close")
    expect(page.get_by_test_id("action-close")).to_have_count(0)

    log = page.get_by_test_id("handling-log").locator(":scope > li")
    expect(log).to_have_count(7)
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert list(complaint.events.order_by("at", "id").values_list("kind", flat=True)) == [
        EventKind.RECEIVED,
        EventKind.GRADED,
        EventKind.ROUTED,
        EventKind.SIGNED,
        EventKind.HANDLED,
        EventKind.INFORMED,
        EventKind.CLOSED,
    ]
    expect(page.get_by_test_id("handling-log")).to_contain_text("已更换楼上破裂的水管")
    page.screenshot(path=str(shots / "detail.png"), full_page=True)


def _scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_intake_page_has_no_sideways_scroll_at_phone_width(
    login, live_server, page, clerk, dept_head, password, shots
):
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    login("clerk", password)

    expect(page).to_have_url(re.compile(r"/complaints/intake/$"))
    expect(page.locator("textarea[name=description]")).to_be_visible()
    page.screenshot(path=str(shots / "intake-375.png"), full_page=True)
    assert _scroll_width(page) <= PHONE_WIDTH


def test_detail_page_has_no_sideways_scroll_at_phone_width(
    login, live_server, page, clerk, dept_head, password, shots
):
    complaint = advance(
        make_complaint(clerk=clerk, description=DESCRIPTION, demand="尽快修好，并赔偿损失"),
        to="handled",
        clerk=clerk,
        head=dept_head,
    )
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    login("clerk", password)

    page.goto(f"{live_server.url}{reverse('complaints:detail', args=[complaint.pk])}")
    expect(page.get_by_test_id("page-title")).to_contain_text(complaint.number)
    expect(page.get_by_test_id("action-inform")).to_be_visible()
    page.screenshot(path=str(shots / "detail-375.png"), full_page=True)
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)"""
    )
    assert _scroll_width(page) <= PHONE_WIDTH, f"wider than the screen: {too_wide}"
