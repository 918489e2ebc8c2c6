"""The general manager's company total (公司合计): every estate's month together, built
when asked, with links into the list for the whole company, XLSX and CSV; nobody without
the company-wide view opens it."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from complaints.models import Channel, Grade
from tests.factories.complaints import make_complaint

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=SH)
URL = reverse("reports:monthly_company", args=[2026, 11])


@pytest.fixture
def november(clerk, other_clerk):
    with time_machine.travel(dt.datetime(2026, 11, 5, 10, 0, tzinfo=SH), tick=False):
        make_complaint(clerk=clerk, grade=Grade.IMPORTANT)
        make_complaint(clerk=clerk, channel=Channel.VISIT)
        make_complaint(clerk=other_clerk)
    with time_machine.travel(dt.datetime(2026, 10, 5, 10, 0, tzinfo=SH), tick=False):
        make_complaint(clerk=other_clerk)


def rows(page) -> dict[str, dict]:
    return {r["key"]: r for s in page.context["sections"] for r in s["rows"]}


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_gm_sees_both_estates_together_with_links_for_the_company(client, gm, november):
    client.force_login(gm)
    page = client.get(URL)
    assert page.status_code == 200
    r = rows(page)
    assert (r["total"]["value"], r["total"]["previous"]) == (3, 1)
    assert r["grade.important"]["value"] == 1 and r["channel.visit"]["value"] == 1
    # The ladder is for managers: the general manager sees it.
    assert page.context["ladder"] is not None
    # The links cover the whole company: no estate in them, and the list shows the count.
    for key in ("total", "grade.minor", "channel.visit"):
        link = r[key]["link"]
        assert link and "estate=" not in link
        listed = client.get(link)
        assert len(listed.context["complaints"]) == r[key]["value"], key
    html = page.content.decode()
    assert "report-charts" in html
    assert reverse("reports:monthly_company", args=[2026, 10]) in html  # the month before
    # December has begun: there is a next month; January has not.
    assert reverse("reports:monthly_company", args=[2026, 12]) in html


def test_exports_hold_the_same_numbers(client, gm, november):
    client.force_login(gm)
    xlsx = client.get(reverse("reports:monthly_company_export", args=[2026, 11, "xlsx"]))
    assert xlsx.status_code == 200
    assert 'filename="monthly-company-2026-11.xlsx"' in xlsx["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    numbers = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert 3 in numbers
    csv = client.get(reverse("reports:monthly_company_export", args=[2026, 11, "csv"]))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert (
        client.get(reverse("reports:monthly_company_export", args=[2026, 11, "pdf"])).status_code
        == 404
    )


def test_months_that_have_not_begun_or_do_not_exist_are_404(client, gm):
    client.force_login(gm)
    assert client.get(reverse("reports:monthly_company", args=[2027, 1])).status_code == 404
    assert client.get(reverse("reports:monthly_company", args=[2026, 13])).status_code == 404
    assert client.get(reverse("reports:monthly_company", args=[2026, 12])).status_code == 200


def test_only_the_company_wide_view_opens_it(client, supervisor, director, clerk, gm):
    for user in (supervisor, director, clerk):
        client.force_login(user)
        assert client.get(URL).status_code == 403, user
        listing = client.get(reverse("reports:monthly_list"))
        assert not listing.context or not listing.context.get("company_months")
    client.force_login(gm)
    listing = client.get(reverse("reports:monthly_list"))
    assert dt.date(2026, 11, 1) in listing.context["company_months"]
    assert URL in listing.content.decode()
    client.logout()
    assert client.get(URL).status_code == 302
