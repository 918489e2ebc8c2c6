"""A monthly report as a spreadsheet (XLSX, one sheet per section) and as CSV.

Numbers stay numbers. Every text cell is guarded against formula injection: text that
a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) is written as text: in XLSX as a string cell with the quote prefix, in CSV
with a leading apostrophe."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

if TYPE_CHECKING:  # openpyxl is imported when a workbook is made: ~0.1 s off every start
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters a sheet title may not hold, and its length.
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_MAX = 31


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def csv_safe(value: Any) -> Any:
    """A number as it is; text that could start a formula behind an apostrophe."""
    if value is None:
        return ""
    if is_number(value):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(ws: Worksheet, row: int, column: int, value: Any) -> None:
    cell: Cell = ws.cell(row=row, column=column)
    if value is None or is_number(value):
        cell.value = value
        return
    text = str(value)
    cell.value = text
    # openpyxl takes any string starting with "=" for a formula: force text.
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def _headers() -> list[str]:
    return [
        _("Item"),
        _("This month"),
        _("Previous month"),
        _("Same month last year"),
        _("Unit"),
    ]


def _section_rows(section: dict[str, Any]) -> Iterator[list[Any]]:
    for row in section.get("rows", []):
        yield [
            row.get("label", ""),
            row.get("value"),
            row.get("previous"),
            row.get("last_year"),
            row.get("unit", ""),
        ]


def _late_rows(data: dict[str, Any]) -> Iterator[list[Any]]:
    for item in data.get("late", []):
        yield [item.get("number", ""), item.get("clock", ""), item.get("due"), item.get("done")]


def _ladder_rows(data: dict[str, Any]) -> Iterator[list[Any]]:
    for person in data.get("ladder", []):
        yield [
            person.get("name", ""),
            person.get("department", ""),
            person.get("count"),
            person.get("step", ""),
        ]


def _late_headers() -> list[str]:
    return [_("Number"), _("Clock"), _("Deadline"), _("Done at")]


def _ladder_headers() -> list[str]:
    return [_("Name"), _("Department"), _("Complaints this year"), _("Step")]


def _sheet_title(title: str, taken: set[str]) -> str:
    base = SHEET_FORBIDDEN.sub(" ", title).strip().strip("'") or _("Sheet")
    base = base[:SHEET_TITLE_MAX]
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def _fill(ws: Worksheet, headers: list[str], rows: Iterable[list[Any]]) -> None:
    for c, h in enumerate(headers, start=1):
        _cell(ws, 1, c, h)
    for r, values in enumerate(rows, start=2):
        for c, v in enumerate(values, start=1):
            _cell(ws, r, c, v)
    ws.column_dimensions["A"].width = 36


def report_xlsx(data: dict[str, Any], *, title: str, ladder: bool) -> bytes:
    """One sheet per section, then the late items, then (for managers) the staff
    complained about repeatedly."""
    from openpyxl import Workbook

    wb = Workbook()
    default = wb.active
    taken: set[str] = set()
    for section in data.get("sections", []):
        ws = wb.create_sheet(_sheet_title(section.get("title") or section.get("key", ""), taken))
        _fill(ws, _headers(), _section_rows(section))
    ws = wb.create_sheet(_sheet_title(_("Late items"), taken))
    _fill(ws, _late_headers(), _late_rows(data))
    if ladder:
        ws = wb.create_sheet(_sheet_title(_("Complained about repeatedly"), taken))
        _fill(ws, _ladder_headers(), _ladder_rows(data))
    if default is not None:
        wb.remove(default)
    wb.properties.title = title[:200]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def report_csv(data: dict[str, Any], *, ladder: bool) -> str:
    """The sections one after another (the section's title in the first column), then
    the late items and (for managers) the ladder, each under its own headers. Starts
    with a BOM so that Excel reads the Chinese right."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)

    def write(row: list[Any]) -> None:
        w.writerow([csv_safe(v) for v in row])

    write([_("Section"), *_headers()])
    for section in data.get("sections", []):
        title = section.get("title") or section.get("key", "")
        for row in _section_rows(section):
            write([title, *row])
    w.writerow([])
    write([_("Late items"), *_late_headers()])
    for row in _late_rows(data):
        write(["", *row])
    if ladder:
        w.writerow([])
        write([_("Complained about repeatedly"), *_ladder_headers()])
        for row in _ladder_rows(data):
            write(["", *row])
    return out.getvalue()
