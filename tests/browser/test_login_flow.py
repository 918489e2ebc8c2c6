import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_logs_in_and_lands_on_the_intake_desk(login, live_server, clerk, password):
    page = login("clerk", password)
    expect(page).to_have_url(re.compile(r"/complaints/intake/$"))
    expect(page.get_by_test_id("page-title")).to_have_text("接待台")
    expect(page.get_by_test_id("current-user")).to_contain_text("前台接待员")


def test_wrong_password_shows_an_error(login, live_server, clerk):
    page = login("clerk", "not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator(".alert-danger, .invalid-feedback").first).to_be_visible()


def test_phone_width_page_has_no_sideways_scroll(login, live_server, clerk, password, page):
    page.set_viewport_size({"width": 375, "height": 740})
    login("clerk", password)
    expect(page.locator(".navbar-toggler")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator(".navbar-toggler").click()
    expect(page.get_by_role("link", name="接待台")).to_be_visible()


def test_language_switch_to_english(login, live_server, clerk, password, page):
    login("clerk", password)
    page.select_option("#language-select", "en")
    expect(page.get_by_test_id("page-title")).to_have_text("Intake desk")
