"""The intake desk in Chromium: a phone complaint taken with the keyboard alone, the unit
looked up as the clerk types without losing what was typed, a known phone number that
attaches its unit, and the repeat prompt.

Selectors use name attributes, ids and data-testid, not visible text.
Screenshots go to /tmp/shots/ for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from complaints.models import Category, Complaint, EventKind, Status
from tests.factories.complaints import make_complaint
from tests.factories.staff import ResidentFactory, UnitFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = "卫生间顶棚漏水，楼上住户不在家"
MAX_KEYS = 15


@pytest.fixture
def unit(ch):
    u = UnitFactory(estate=ch, building="3", entrance="2", room="201")
    ResidentFactory(unit=u, name="赵六", phone="13700001502")
    return u


def test_a_phone_complaint_is_routed_in_at_most_15_key_presses_besides_its_text(
    login, page, clerk, dept_head, password, shots
):
    engineering = dept_head.staff_profile.department
    login("clerk", password)
    expect(page).to_have_url(re.compile(r"/complaints/intake/$"))
    expect(page.locator("select[name=channel]")).to_be_focused()  # phone, by default

    pressed: list[str] = []

    def press(key: str) -> None:
        pressed.append(key)
        page.keyboard.press(key)

    press("Tab")  # category
    press("ArrowDown")  # the first category, engineering: its department is preselected
    expect(page.locator("select[name=department]")).to_have_value(str(engineering.pk))
    press("Tab")  # grade: minor by default
    press("Tab")  # what happened
    page.keyboard.type(DESCRIPTION)
    press("Tab")  # resident's name
    page.keyboard.type("王五")
    press("Tab")  # phone
    page.keyboard.type("13812345678")
    page.screenshot(path=str(shots / "intake-keyboard-1280.png"), full_page=True)
    with page.expect_navigation():
        press("Control+Enter")

    # Ctrl+Enter counts as two keys.
    count = len(pressed) + sum(key.count("+") for key in pressed)
    assert count <= MAX_KEYS, pressed
    c = Complaint.objects.get()
    assert (c.status, c.department, c.category) == (
        Status.ROUTED,
        engineering,
        Category.ENGINEERING,
    )
    assert (c.description, c.resident_name, c.resident_phone) == (
        DESCRIPTION,
        "王五",
        "13812345678",
    )
    expect(page).to_have_url(re.compile(rf"/complaints/{c.pk}/$"))


def test_the_unit_is_looked_up_as_the_clerk_types_and_nothing_typed_is_lost(
    login, page, clerk, dept_head, password, unit, shots
):
    earlier = make_complaint(clerk=clerk, unit=unit, description="上次漏水没修好")
    login("clerk", password)
    page.fill("textarea[name=description]", DESCRIPTION)
    expect(page.get_by_test_id("shortcut-hint")).to_be_visible()
    counter = page.locator("[data-count-for=id_description] .char-count-n")
    expect(counter).to_have_text(str(len(DESCRIPTION)))

    page.locator("#unit-search").press_sequentially("3-2-2")
    page.locator("#unit-search").press_sequentially("01")
    matches = page.get_by_test_id("unit-matches")
    expect(matches.locator(".unit-pick").first).to_be_visible()
    matches.locator(f".unit-pick[data-unit='{unit.pk}']").first.click()

    expect(page.get_by_test_id("unit-attached")).to_be_visible()
    expect(page.locator("input[name=unit_id]")).to_have_value(str(unit.pk))
    expect(page.locator("input[name=resident_name]")).to_have_value("赵六")
    history = page.get_by_test_id("unit-history")
    expect(history).to_contain_text(earlier.number)
    # No reload: what was typed is still there.
    expect(page.locator("textarea[name=description]")).to_have_value(DESCRIPTION)

    # Linking the earlier one as a repeat asks whether to escalate, without a reload.
    history.locator(f".repeat-pick[data-repeat='{earlier.pk}']").click()
    prompt = page.get_by_test_id("repeat-prompt")
    expect(prompt).to_be_visible()
    expect(prompt).to_contain_text(earlier.number)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(shots / "intake-repeat-1280.png"), full_page=True)
    prompt.locator("input[name=repeat_escalation][value=supervisor]").check()
    page.select_option("select[name=category]", "engineering")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    c = Complaint.objects.exclude(pk=earlier.pk).get()
    assert c.repeat_of == earlier and c.unit == unit
    assert c.events.filter(kind=EventKind.REPEAT_PROMPTED, data__escalated=True).exists()


def test_a_known_phone_number_attaches_its_unit_and_shows_its_history(
    login, page, clerk, dept_head, password, unit, shots
):
    earlier = make_complaint(clerk=clerk, unit=unit, resident_phone="13700001502")
    login("clerk", password)
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("input[name=resident_phone]").press_sequentially("13700001502")
    expect(page.get_by_test_id("unit-history")).to_contain_text(earlier.number)
    expect(page.locator("input[name=unit_id]")).to_have_value(str(unit.pk))
    expect(page.get_by_test_id("unit-attached")).to_be_visible()
    page.screenshot(path=str(shots / "intake-phone-390.png"), full_page=True)

    # Enter in a one-line field saves the form; it does not link the repeat shown beside it.
    page.select_option("select[name=category]", "cleaning")
    page.select_option("select[name=department]", str(dept_head.staff_profile.department.pk))
    page.fill("textarea[name=description]", "楼道没人打扫")
    with page.expect_navigation():
        page.locator("input[name=resident_phone]").press("Enter")
    c = Complaint.objects.exclude(pk=earlier.pk).get()
    assert (c.unit, c.repeat_of, c.status) == (unit, None, Status.ROUTED)
