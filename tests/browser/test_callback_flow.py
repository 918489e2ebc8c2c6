"""The desk's callbacks (回访) through the real UI in Chromium: a closed complaint waits on
the callback list, the clerk starts it with one click, records that the resident is not
satisfied in the resident's words, and the complaint is reopened and back with its
department. On a phone (390 px) a patrol records a visit callback of a repair with the
resident's signature drawn on the screen.

Selectors use data-testid, names and form actions, not visible text (the translations
change); case numbers and what residents said are data and may be matched. Screenshots
go to /tmp/shots/ for a person to look at.
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from callbacks.models import Callback, Method, Satisfaction
from callbacks.models import Status as CallbackStatus
from complaints.models import Complaint
from complaints.models import Status as ComplaintStatus
from repairs.models import Status as RepairStatus
from tests.factories.complaints import advance, make_complaint
from tests.factories.repairs import advance as advance_order
from tests.factories.repairs import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WORDS = "天花板还在滴水，和上次一样"


def _fits(page, width: int) -> None:
    wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map((e) => `${e.tagName.toLowerCase()}.${e.className}`)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, wide


def _choose(page, name: str, value: str) -> None:
    """Tap the button of a radio (the radio itself is drawn as its label)."""
    radio = page.locator(f"input[name={name}][value={value}]")
    label = page.locator(f"label[for='{radio.get_attribute('id')}']")
    label.click()
    expect(radio).to_be_checked()
    # The chosen button is filled in, not outlined: the choice shows at a glance.
    expect(label).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")


def test_not_satisfied_at_the_callback_reopens_the_complaint_to_its_department(
    page, live_server, login, shots, clerk, dept_head, password
):
    engineering = dept_head.staff_profile.department
    c = advance(
        make_complaint(clerk=clerk, description="卫生间顶棚漏水"),
        to="closed",
        clerk=clerk,
        head=dept_head,
    )
    other = advance(make_complaint(clerk=clerk), to="closed", clerk=clerk, head=dept_head)
    cb = Callback.objects.get(complaint=c)

    page.set_viewport_size(WIDE)
    login("clerk", password)
    page.get_by_role("link", name=re.compile("Callbacks|回访")).first.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(reverse('callbacks:list'))}$"))
    rows = page.get_by_test_id("callback-row")
    expect(rows).to_have_count(2)
    row = page.locator(f"[data-testid=callback-row][data-callback='{cb.pk}']")
    expect(row.get_by_test_id("case-link")).to_have_text(c.number)
    # Masked; one tap reveals it (recorded) with the tap-to-call link.
    expect(row.get_by_test_id("contact")).to_contain_text("138****5678")
    row.get_by_test_id("reveal").click()
    expect(row.get_by_test_id("contact-tel")).to_have_attribute("href", "tel:13812345678")
    assert other.number in page.get_by_test_id("callback-table").inner_text()
    _fits(page, 1280)
    page.screenshot(path=str(shots / "callback-list-1280.png"), full_page=True)

    with page.expect_navigation():
        row.get_by_test_id("start").click()
    expect(page.get_by_test_id("case-summary")).to_contain_text("卫生间顶棚漏水")
    expect(page.get_by_test_id("case-summary")).to_contain_text("已更换水管")  # what was done
    # A phone call: no signature pad; the questions for a reached resident are there.
    expect(page.locator("input[name=method][value=phone]")).to_be_checked()
    expect(page.get_by_test_id("visit-signature")).to_be_hidden()
    _choose(page, "satisfaction", Satisfaction.NOT_SATISFIED)
    page.get_by_test_id("words").fill(WORDS)
    _fits(page, 1280)
    page.screenshot(path=str(shots / "callback-record-1280.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_test_id("save").click()

    # Back on the list, with the message; the callback is done and off the list.
    expect(page).to_have_url(re.compile(rf"{re.escape(reverse('callbacks:list'))}$"))
    expect(page.locator(".alert-success")).to_contain_text(c.number)
    expect(page.get_by_test_id("callback-row")).to_have_count(1)
    page.screenshot(path=str(shots / "callback-list-after-1280.png"), full_page=True)

    c = Complaint.objects.get(pk=c.pk)
    assert c.status == ComplaintStatus.REOPENED
    assert c.department_id == engineering.pk
    cb.refresh_from_db()
    assert (cb.status, cb.satisfaction, cb.words) == (
        CallbackStatus.DONE,
        Satisfaction.NOT_SATISFIED,
        WORDS,
    )

    # The complaint's page says so: reopened, with engineering, the callback's words.
    page.goto(f"{live_server.url}{reverse('complaints:detail', args=[c.pk])}")
    expect(page.get_by_test_id("status")).to_have_text(c.get_status_display())
    card = page.get_by_test_id("callback-card")
    expect(card.get_by_test_id("callback-words")).to_contain_text(WORDS)
    expect(card.get_by_test_id("callback-satisfaction")).to_be_visible()
    assert engineering.name in page.locator("main").inner_text()
    page.screenshot(path=str(shots / "callback-complaint-1280.png"), full_page=True)

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{reverse('callbacks:list')}")
    expect(page.get_by_test_id("callback-row")).to_have_count(1)
    _fits(page, 390)
    page.screenshot(path=str(shots / "callback-list-390.png"), full_page=True)
    page.goto(f"{live_server.url}{reverse('complaints:detail', args=[c.pk])}")
    _fits(page, 390)
    page.screenshot(path=str(shots / "callback-complaint-390.png"), full_page=True)


def test_a_visit_callback_on_a_phone_carries_the_drawn_signature(
    page, live_server, login, shots, clerk, technician, password
):
    o = advance_order(
        make_order(clerk=clerk), to=RepairStatus.FINISHED, clerk=clerk, technician=technician
    )
    cb = Callback.objects.get(repair_order=o)

    page.set_viewport_size(PHONE)
    login("clerk", password)
    page.goto(f"{live_server.url}{reverse('callbacks:list')}")
    _fits(page, 390)
    page.screenshot(path=str(shots / "callback-list-repair-390.png"), full_page=True)
    with page.expect_navigation():
        page.locator(f"[data-callback='{cb.pk}']").get_by_test_id("start").click()

    _choose(page, "method", Method.VISIT)
    pad = page.get_by_test_id("visit-signature")
    expect(pad).to_be_visible()
    for name in ("satisfaction", "attitude", "speed", "quality"):
        _choose(page, name, Satisfaction.SATISFIED)
    page.get_by_test_id("words").fill("师傅很仔细")
    canvas = pad.get_by_test_id("signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None and box["width"] <= 390
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(
            box["x"] + 20 + i * (box["width"] - 40) / 11,
            box["y"] + box["height"] * (0.7 - 0.4 * (i % 2)),
        )
    page.mouse.up()
    _fits(page, 390)
    page.screenshot(path=str(shots / "callback-visit-390.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_test_id("save").click()
    expect(page.locator(".alert-success")).to_contain_text(o.number)

    cb.refresh_from_db()
    assert (cb.status, cb.method, cb.quality) == (
        CallbackStatus.DONE,
        Method.VISIT,
        Satisfaction.SATISFIED,
    )
    drawn = Image.open(io.BytesIO(bytes(Callback.objects.get(pk=cb.pk).signature)))
    assert drawn.convert("L").getextrema()[0] < 100  # there is ink on it

    # The repair order's page shows the callback with the signature.
    page.goto(f"{live_server.url}{reverse('repairs:detail', args=[o.pk])}")
    image = page.get_by_test_id("callback-card").get_by_test_id("callback-signature").locator("img")
    expect(image).to_be_visible()
    assert image.evaluate("(img) => img.naturalWidth") > 0
    _fits(page, 390)
    page.screenshot(path=str(shots / "callback-repair-390.png"), full_page=True)


def test_two_residents_answered_by_one_public_letter(
    page, live_server, login, shots, clerk, dept_head, password
):
    same = [
        advance(
            make_complaint(clerk=clerk, description=f"{n}号楼电梯异响"),
            to="closed",
            clerk=clerk,
            head=dept_head,
        )
        for n in (3, 5)
    ]
    other = advance(make_complaint(clerk=clerk), to="closed", clerk=clerk, head=dept_head)
    chosen = [Callback.objects.get(complaint=c) for c in same]

    page.set_viewport_size(WIDE)
    login("clerk", password)
    page.goto(f"{live_server.url}{reverse('callbacks:list')}")
    for cb in chosen:
        page.locator(f"[data-callback='{cb.pk}']").get_by_test_id("pick").check()
    with page.expect_navigation():
        page.get_by_test_id("letter-start").click()
    expect(page.get_by_test_id("chosen").locator("li")).to_have_count(2)
    page.fill("input[name=title]", "关于电梯异响的说明")
    page.fill("textarea[name=body]", "各位业主：\n电梯异响系导轨缺油，已于本周保养完毕。")
    page.screenshot(path=str(shots / "callback-letter-new-1280.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_test_id("letter-save").click()
    expect(page.get_by_test_id("letter-body")).to_contain_text("导轨缺油")
    expect(page.get_by_test_id("answered").locator("li")).to_have_count(2)
    page.screenshot(path=str(shots / "callback-letter-1280.png"), full_page=True)
    for cb in chosen:
        cb.refresh_from_db()
        assert (cb.status, cb.method) == (CallbackStatus.DONE, Method.LETTER)
    assert Callback.objects.get(complaint=other).status == CallbackStatus.DUE

    page.goto(page.url + "print/")
    expect(page.get_by_test_id("print-title")).to_have_text("关于电梯异响的说明")
    page.screenshot(path=str(shots / "callback-letter-print.png"), full_page=True)
    page.set_viewport_size(PHONE)
    _fits(page, 390)
