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
