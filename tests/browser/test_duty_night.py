"""A duty officer's night shift in Chromium (值班, 交接班): she opens the duty, records an
emergency call (the alert banner is on the request's page) and an everyday help request
answered at once, writes a line in the duty record and hands over to the clerk. In the
morning the clerk, in a browser of her own, sees the handover with what is still open
(the emergency), confirms it, and the page says she is on duty.

Selectors use data-testid and name attributes, not visible text (the translations
change); case numbers and what people typed are data and may be matched. Screenshots of
the duty page and the new-request page at 1280 and 390 px go to /tmp/duty-night-shots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from helpdesk.models import DutyShift, Handover, Kind, Request, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/duty-night-shots")  # noqa: S108 - outside the repo, for a person to look at


def _login(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def _overflow(page) -> list[str]:
    """What sticks out to the right of the window (empty when the page fits)."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)"""
    )


def _shoot(page, name: str, sizes=(WIDE, PHONE)) -> dict[str, list[str]]:
    too_wide = {}
    for size in sizes:
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}-{size['width']}.png"), full_page=True)
        if page.evaluate("document.documentElement.scrollWidth") > size["width"]:
            too_wide[f"{name}-{size['width']}"] = _overflow(page)
    page.set_viewport_size(WIDE)
    return too_wide


def _save(page) -> None:
    with page.expect_navigation():
        page.get_by_test_id("save").click()


def test_a_night_on_duty_is_handed_over_to_the_clerk_in_the_morning(
    page, browser, live_server, ch, clerk, duty_officer, supervisor, director, password
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for user, first in ((clerk, "小丽"), (duty_officer, "大力")):
        user.first_name = first
        user.save(update_fields=["first_name"])
    duty = f"{live_server.url}{reverse('helpdesk:duty')}"
    new = f"{live_server.url}{reverse('helpdesk:new')}"
    too_wide: dict[str, list[str]] = {}

    # 22:00: nobody is on duty; the duty officer takes it.
    page.set_viewport_size(WIDE)
    _login(page, live_server.url, "duty", password)
    page.goto(duty)
    expect(page.get_by_test_id("nobody-on-duty")).to_be_visible()
    too_wide |= _shoot(page, "duty-nobody")
    with page.expect_navigation():
        page.get_by_test_id("open-duty").click()
    expect(page.get_by_test_id("on-duty")).to_contain_text("王大力")
    shift = DutyShift.objects.get()
    assert (shift.holder, shift.ended_at) == (duty_officer, None)

    # An emergency call: an old man has fallen at the lift.
    page.goto(f"{new}?kind=help")
    form = page.get_by_test_id("request-form")
    expect(form.locator("select[name=kind]")).to_have_value("help")
    form.locator("select[name=kind]").select_option("medical")
    form.locator("input[name=location]").fill("5号楼2单元电梯口")
    form.locator("input[name=resident_phone]").fill("13800001234")
    form.locator("textarea[name=question]").fill("老人在电梯口摔倒，意识不清，家属请求急救")
    too_wide |= _shoot(page, "new-request")
    _save(page)
    emergency = Request.objects.get(kind=Kind.MEDICAL)
    expect(page).to_have_url(re.compile(rf"{reverse('helpdesk:detail', args=[emergency.pk])}$"))
    expect(page.get_by_test_id("emergency")).to_be_visible()
    expect(page.get_by_test_id("page-title")).to_contain_text(emergency.number)
    expect(page.locator(".alert-warning")).to_contain_text(emergency.number)  # the alert sent
    assert emergency.alerted_at is not None and emergency.status == Status.OPEN
    too_wide |= _shoot(page, "emergency")

    # Everyday help, answered at once: done as it is saved.
    page.goto(f"{new}?kind=help")
    form = page.get_by_test_id("request-form")
    form.locator("input[name=location]").fill("3号楼大堂")
    form.locator("textarea[name=question]").fill("业主钥匙锁在家里，请帮忙联系开锁")
    form.locator("textarea[name=answer]").fill("已提供备案开锁师傅电话，业主自行联系")
    _save(page)
    helped = Request.objects.get(kind=Kind.HELP)
    assert (helped.status, helped.answered_by) == (Status.CLOSED, duty_officer)
    expect(page.get_by_test_id("answer")).to_contain_text("备案开锁师傅")
    expect(page.get_by_test_id("emergency")).to_have_count(0)

    # A line in the duty record, then the handover to the clerk.
    page.goto(duty)
    page.locator("textarea[name=text]").fill("02:30 巡查地下车库，B2出口卷帘门未关，已关闭")
    with page.expect_navigation():
        page.get_by_test_id("duty-note").click()
    expect(page.get_by_test_id("duty-entries")).to_contain_text("B2出口卷帘门")
    handover_form = page.get_by_test_id("handover")
    handover_form.locator("select[name=to]").select_option(str(clerk.pk))
    handover_form.locator("textarea[name=watch]").fill("5号楼急救病人家属可能来电询问")
    too_wide |= _shoot(page, "duty-on-duty")
    with page.expect_navigation():
        page.get_by_test_id("write-handover").click()
    expect(page.get_by_test_id("handover-pending")).to_be_visible()
    expect(page.get_by_test_id("on-duty")).to_contain_text("王大力")  # hers until confirmed
    handover = Handover.objects.get()
    assert [i["number"] for i in handover.items] == [emergency.number]
    too_wide |= _shoot(page, "duty-handed-over")

    # 08:00: the clerk, at her own desk, takes over.
    context = browser.new_context(viewport=WIDE)
    try:
        morning = context.new_page()
        _login(morning, live_server.url, "clerk", password)
        morning.goto(duty)
        to_me = morning.get_by_test_id("handover-to-me")
        expect(to_me).to_be_visible()
        expect(to_me).to_contain_text("王大力")
        expect(to_me).to_contain_text("5号楼急救病人家属")
        items = to_me.get_by_test_id("handover-items")
        expect(items).to_contain_text(emergency.number)
        expect(items).not_to_contain_text(helped.number)  # done: nothing to hand over
        too_wide |= _shoot(morning, "duty-handover-to-me")
        with morning.expect_navigation():
            morning.get_by_test_id("confirm-handover").click()
        expect(morning.get_by_test_id("on-duty")).to_contain_text("王小丽")
        expect(morning.get_by_test_id("handover-to-me")).to_have_count(0)
        expect(morning.get_by_test_id("handovers")).to_contain_text("王大力")
        too_wide |= _shoot(morning, "duty-confirmed")
    finally:
        context.close()

    handover.refresh_from_db()
    shift.refresh_from_db()
    assert handover.confirmed_at is not None and shift.ended_at == handover.confirmed_at
    now_on = DutyShift.objects.get(ended_at__isnull=True)
    assert now_on.holder == clerk
    # The duty officer's page says so too, and she no longer writes in the record.
    page.reload()
    expect(page.get_by_test_id("on-duty")).to_contain_text("王小丽")
    expect(page.get_by_test_id("duty-note")).to_have_count(0)
    assert too_wide == {}
