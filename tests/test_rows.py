"""What the rows written in Python share (casework.rows): the same text as the template
filters they replace."""

from __future__ import annotations

import unicodedata

import pytest
from django.template.defaultfilters import truncatechars
from django.utils import translation

from casework.rows import escape, truncate

TEXTS = [
    "",
    "短",
    "卫生间天花板漏水，楼上住户不在家" * 5,
    "x" * 40,
    "x" * 41,
    "Café au lait " * 5,
    unicodedata.normalize("NFD", "Café au lait"),  # e and a combining accent
    unicodedata.normalize("NFD", "é" * 50),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_truncate_is_truncatechars(language):
    with translation.override(language):
        for text in TEXTS:
            for length in (1, 20, 40, 60):
                assert truncate(text, length) == truncatechars(text, length), (text, length)


def test_the_chinese_ellipsis_is_the_translated_one():
    long = "漏" * 50
    with translation.override("zh-hans"):
        assert truncate(long, 40) == "漏" * 37 + "..."
    with translation.override("en"):
        assert truncate(long, 40) == "漏" * 39 + "…"


def test_escape_is_djangos():
    from django.utils.html import escape as django_escape

    for text in ('"><script>alert(1)</script>&amp;', "王'小丽", "漏水"):
        assert escape(text) == django_escape(text)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_deadline_cell_reads_the_same_with_the_language_and_zone_passed(language):
    """Lists look the active language and time zone up once for all their rows."""
    import datetime as dt

    from django.utils import timezone

    from casework.display import (
        LATE,
        MET,
        OVERDUE,
        RUNNING,
        SOON,
        STOPPED,
        ClockState,
        deadline_cell,
    )

    now = timezone.now()
    hour = dt.timedelta(hours=1)
    states = [
        ClockState("a", "派单", now + 30 * hour, None, RUNNING, now),
        ClockState("b", "签收", now + hour, None, SOON, now),
        ClockState("c", "处理", now - 50 * hour, None, OVERDUE, now),
        ClockState("d", "回复", now - 3 * hour, now - 4 * hour, MET, now),
        ClockState("e", "<回访>", now - 9 * hour, now - 2 * hour, LATE, now),
        ClockState("f", "结案", now - hour, None, STOPPED, now),
    ]
    with translation.override(language):
        for cell in ([states[0], states[4]], [states[2]], [states[1], states[3]], states[5:], []):
            passed = deadline_cell(
                cell,
                language=translation.get_language(),
                zone=timezone.get_current_timezone(),
            )
            assert passed == deadline_cell(cell)
        assert "&lt;回访&gt;" in deadline_cell([states[4]])
