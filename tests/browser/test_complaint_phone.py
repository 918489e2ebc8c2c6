"""The complaint screens on a phone (390 px) and on paper: the queue and the list as
cards with status and deadline in view, the actions near the top of the complaint page,
signing for from the queue, and the printed form on one A4 page with a print button.

Selectors use data-testid, names and form actions, not visible text. Screenshots go to
/tmp/shots/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from complaints import services
from complaints.models import Status
from tests.factories.complaints import advance, make_complaint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
A4_PRINTABLE_HEIGHT_PX = (297 - 2 * 12) / 25.4 * 96  # @page margin 12 mm


def _too_wide(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)"""
    )


def _assert_fits(page, width: int) -> None:
    too_wide = _too_wide(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, too_wide


def _assert_in_view(locator, width: int) -> None:
    box = locator.bounding_box()
    assert box is not None and box["width"] > 0
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box


@pytest.fixture
def queue_of_three(clerk, dept_head):
    complaints = [
        advance(
            make_complaint(clerk=clerk, description=f"第{i}号楼卫生间顶棚漏水，楼上住户不在家"),
            to="routed",
            clerk=clerk,
            head=dept_head,
        )
        for i in range(3)
    ]
    services.complaint_sign(actor=dept_head, complaint_id=complaints[2].pk)
    return complaints


def test_queue_is_cards_at_phone_width_and_signs_for_in_place(
    login, live_server, page, dept_head, password, queue_of_three, shots
):
    page.set_viewport_size(PHONE)
    login("eng_head", password)
    expect(page).to_have_url(re.compile(r"/complaints/queue/$"))
    rows = page.get_by_test_id("complaint-row")
    expect(rows).to_have_count(3)
    page.screenshot(path=str(shots / "queue-390.png"), full_page=True)
    _assert_fits(page, PHONE["width"])
    for i in range(3):
        _assert_in_view(rows.nth(i).get_by_test_id("row-status"), PHONE["width"])
        _assert_in_view(rows.nth(i).get_by_test_id("row-deadline"), PHONE["width"])
    expect(page.get_by_test_id("queue-sign")).to_have_count(2)

    first = queue_of_three[0]
    with page.expect_navigation():
        page.locator(
            f"form[action='{reverse('complaints:act', args=[first.pk, 'sign'])}'] button"
        ).click()
    expect(page).to_have_url(re.compile(r"/complaints/queue/$"))
    expect(page.locator(".alert-success")).to_contain_text(first.number)
    expect(page.get_by_test_id("queue-sign")).to_have_count(1)
    first.refresh_from_db()
    assert first.status == Status.SIGNED


def test_list_is_cards_at_phone_width(
    login, live_server, page, supervisor, password, queue_of_three, shots
):
    page.set_viewport_size(PHONE)
    login("supervisor", password)
    page.goto(f"{live_server.url}{reverse('complaints:list')}")
    rows = page.get_by_test_id("complaint-row")
    expect(rows).to_have_count(3)
    page.screenshot(path=str(shots / "list-390.png"), full_page=True)
    _assert_fits(page, PHONE["width"])
    for i in range(3):
        _assert_in_view(rows.nth(i).get_by_test_id("row-status"), PHONE["width"])
        _assert_in_view(rows.nth(i).get_by_test_id("row-deadline"), PHONE["width"])


def test_actions_sit_near_the_top_of_the_complaint_page_on_a_phone(
    login, live_server, page, clerk, dept_head, password, shots
):
    c = advance(make_complaint(clerk=clerk), to="handled", clerk=clerk, head=dept_head)
    page.set_viewport_size(PHONE)
    login("clerk", password)
    page.goto(f"{live_server.url}{reverse('complaints:detail', args=[c.pk])}")
    inform = page.get_by_test_id("action-inform")
    expect(inform).to_be_visible()
    page.screenshot(path=str(shots / "detail-actions-390.png"), full_page=True)
    actions_top = page.get_by_test_id("actions").bounding_box()["y"]
    assert actions_top < page.get_by_test_id("description").bounding_box()["y"]
    assert actions_top < PHONE["height"]  # in view without scrolling
    _assert_fits(page, PHONE["width"])


@pytest.fixture
def long_record(clerk, dept_head):
    """A complaint whose handling log has more than 20 entries."""
    c = advance(
        make_complaint(
            clerk=clerk,
            description="卫生间顶棚漏水，楼上住户不在家，水已经流到客厅，木地板起翘。" * 3,
            demand="尽快修好，并赔偿木地板的损失。",
        ),
        to="signed",
        clerk=clerk,
        head=dept_head,
    )
    for i in range(17):
        services.complaint_add_note(
            actor=dept_head,
            complaint_id=c.pk,
            note=f"第{i + 1}次联系楼上住户：电话无人接听，已在门上留言，并请保安巡查时留意。",
        )
    assert c.events.count() >= 20
    return c


def test_printed_form_fits_one_a4_page_with_twenty_log_entries(
    login, live_server, page, clerk, password, long_record, shots
):
    login("clerk", password)
    page.goto(f"{live_server.url}{reverse('complaints:print', args=[long_record.pk])}")
    button = page.get_by_test_id("print-button")
    expect(button).to_be_visible()

    page.emulate_media(media="print")
    expect(button).to_be_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    (shots / "print-a4.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"{pages} pages"
    page.set_viewport_size({"width": round((210 - 24) / 25.4 * 96), "height": 1100})
    page.screenshot(path=str(shots / "print-a4-as-printed.png"), full_page=True)
    height = page.evaluate("document.querySelector('.sheet').getBoundingClientRect().height")
    assert height <= A4_PRINTABLE_HEIGHT_PX


def test_printed_form_does_not_overflow_a_phone(
    login, live_server, page, clerk, password, long_record, shots
):
    page.set_viewport_size(PHONE)
    login("clerk", password)
    page.goto(f"{live_server.url}{reverse('complaints:print', args=[long_record.pk])}")
    expect(page.get_by_test_id("print-button")).to_be_visible()
    page.screenshot(path=str(shots / "print-390.png"), full_page=True)
    _assert_fits(page, PHONE["width"])
