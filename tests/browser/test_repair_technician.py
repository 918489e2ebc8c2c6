"""The technician's day on a phone (390 px, one hand): his orders, one tap to take and to
record the arrival, the work written, and the resident's signature drawn with a finger
on the screen; then the desk closes and prints the 《维修服务通知单》 with that signature.

Selectors use data-testid, names and form actions, not visible text. Screenshots go to
/tmp/shots/ for a person to look at.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from repairs import services
from repairs.models import RepairOrder, Status
from tests.factories.repairs import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _fits(page, width: int) -> None:
    wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide


def test_the_technician_takes_arrives_finishes_and_the_resident_signs_on_the_phone(
    page, live_server, login, shots, clerk, technician, password
):
    o = make_order(clerk=clerk, description="厨房水龙头漏水，关不住")
    services.repair_dispatch(actor=clerk, order_id=o.pk, technician=technician)
    page.set_viewport_size(PHONE)
    login("tech", password)
    page.goto(f"{live_server.url}{reverse('repairs:mine')}")
    card = page.get_by_test_id("mine").get_by_test_id("order-card").first
    expect(card).to_contain_text(o.number)
    _fits(page, 390)
    page.screenshot(path=str(shots / "repair-mine-390.png"), full_page=True)

    card.get_by_test_id("quick-take").locator("button").click()
    page.get_by_test_id("action-arrive").locator("button").click()
    expect(page.get_by_test_id("status")).to_contain_text("已到场")
    finish = page.get_by_test_id("action-finish")
    finish.locator("textarea[name=work_done]").fill("更换水龙头阀芯，试用不漏")
    finish.locator("button[type=submit]").click()

    sign = page.get_by_test_id("action-sign")
    canvas = sign.get_by_test_id("signature-canvas")
    expect(canvas).to_be_visible()
    _fits(page, 390)
    box = canvas.bounding_box()
    assert box is not None and box["width"] <= 390
    # A finger's stroke across the box.
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(
            box["x"] + 20 + i * (box["width"] - 40) / 11,
            box["y"] + box["height"] * (0.7 - 0.4 * (i % 2)),
        )
    page.mouse.up()
    page.screenshot(path=str(shots / "repair-sign-390.png"), full_page=True)
    sign.locator("button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_contain_text("住户已签字")
    expect(page.get_by_test_id("signature").locator("img")).to_be_visible()
    page.screenshot(path=str(shots / "repair-signed-390.png"), full_page=True)

    o.refresh_from_db()
    assert o.status == Status.SIGNED and o.signed_on_screen
    drawn = Image.open(io.BytesIO(bytes(RepairOrder.objects.get(pk=o.pk).signature)))
    assert drawn.convert("L").getextrema()[0] < 100  # there is ink on it


def test_the_desk_closes_and_prints_the_order_with_the_signature(
    page, live_server, login, shots, clerk, technician, password
):
    o = make_order(clerk=clerk)
    services.repair_dispatch(actor=clerk, order_id=o.pk, technician=technician)
    services.repair_take(actor=technician, order_id=o.pk)
    services.repair_arrive(actor=technician, order_id=o.pk)
    services.repair_finish(actor=technician, order_id=o.pk, work_done="更换阀芯")
    services.repair_sign(actor=technician, order_id=o.pk, signed_name="张三")
    page.set_viewport_size({"width": 1280, "height": 900})
    login("clerk", password)
    page.goto(f"{live_server.url}{reverse('repairs:detail', args=[o.pk])}")
    page.screenshot(path=str(shots / "repair-detail-1280.png"), full_page=True)
    page.get_by_test_id("action-close").locator("button[type=submit]").click()
    expect(page.get_by_test_id("status")).to_contain_text("已关闭")
    page.goto(f"{live_server.url}{reverse('repairs:print', args=[o.pk])}")
    expect(page.get_by_test_id("print-signature")).to_contain_text("张三")
    page.screenshot(path=str(shots / "repair-print.png"), full_page=True)
