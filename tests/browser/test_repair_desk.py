"""A call that is a repair, in Chromium: the clerk starts at the intake desk, finds the
unit as she types, presses Alt+R, and the repair form opens with the unit and the caller
carried over; there she looks the unit up again, picks "open to take" and saves with
Ctrl+Enter. Then the order is on the technician's list to take.

Selectors use name attributes, ids and data-testid, not visible text.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from repairs.models import RepairOrder, Status
from tests.factories.staff import ResidentFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def units(ch):
    first = UnitFactory(estate=ch, building="3", entrance="2", room="201")
    ResidentFactory(unit=first, name="赵六", phone="13700001502")
    second = UnitFactory(estate=ch, building="5", entrance="1", room="702")
    return first, second


def test_a_call_becomes_a_repair_order_open_to_take(
    login, page, live_server, clerk, technician, password, units, shots
):
    first, second = units
    login("clerk", password)
    expect(page).to_have_url(re.compile(r"/complaints/intake/$"))
    page.locator("#unit-search").press_sequentially("3-2-201")
    page.get_by_test_id("unit-matches").locator(f".unit-pick[data-unit='{first.pk}']").first.click()
    expect(page.locator("input[name=resident_name]")).to_have_value("赵六")

    with page.expect_navigation():
        page.keyboard.press("Alt+r")
    expect(page).to_have_url(re.compile(r"/repairs/new/\?"))
    form = page.locator("#repair-form")
    expect(form.locator("input[name=unit_id]")).to_have_value(str(first.pk))
    expect(form.locator("input[name=resident_name]")).to_have_value("赵六")
    expect(form.locator("input[name=resident_phone]")).to_have_value("13700001502")

    # The caller meant the other flat: looked up again on this form, without a reload.
    form.locator("textarea[name=description]").fill("阳台地漏堵塞返水")
    page.locator("#unit-search").press_sequentially("5-1-702")
    page.get_by_test_id("unit-matches").locator(
        f".unit-pick[data-unit='{second.pk}']"
    ).first.click()
    expect(form.locator("input[name=unit_id]")).to_have_value(str(second.pk))
    expect(form.locator("textarea[name=description]")).to_have_value("阳台地漏堵塞返水")
    form.locator("input[name=dispatch][value=publish]").check()
    page.screenshot(path=str(shots / "repair-new-1280.png"), full_page=True)
    with page.expect_navigation():
        form.locator("textarea[name=description]").press("Control+Enter")

    o = RepairOrder.objects.get()
    assert (o.unit, o.status, o.published, o.reported_by) == (
        second,
        Status.DISPATCHED,
        True,
        clerk,
    )
    expect(page).to_have_url(re.compile(rf"/repairs/{o.pk}/$"))

    # The technician sees it to take.
    page.context.clear_cookies()
    login("tech", password)
    page.goto(f"{live_server.url}{reverse('repairs:mine')}")
    expect(page.get_by_test_id("to-take")).to_contain_text(o.number)
