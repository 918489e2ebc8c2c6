"""The monthly report in Chromium: the supervisor opens the stored report, sees the
charts drawn (no CDN: ECharts from our static files, under the page's CSP), and
downloads the XLSX, which openpyxl opens with the same numbers."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from reports import services
from tests.factories.complaints import advance, make_complaint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_supervisor_reads_the_charts_and_downloads_the_xlsx(
    page, live_server, login, shots, clerk, dept_head, supervisor, password
):
    for _ in range(3):
        advance(make_complaint(clerk=clerk), to="handled", clerk=clerk, head=dept_head)
    month = timezone.localdate().replace(day=1)
    report = services.report_build(estate_id=clerk.staff_profile.estate_id, month=month)
    assert report is not None
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login("supervisor", password)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{reverse('reports:monthly', args=[report.pk])}")
    for chart in ("chart-trend", "chart-grade", "chart-category", "chart-departments"):
        expect(page.locator(f"#{chart}")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#chart-trend canvas").first).to_be_visible()
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.screenshot(path=str(shots / "report-1280.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_test_id("xlsx").click()
    with open(download.value.path(), "rb") as saved:
        book = load_workbook(io.BytesIO(saved.read()))
    numbers = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, int | float)
    ]
    assert 3 in numbers  # the three complaints received this month
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#chart-trend")).to_have_attribute("data-drawn", "true")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "report-390.png"), full_page=True)
