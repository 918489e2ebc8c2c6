"""What the list rows written in Python share (complaints.rows, callbacks.rows).

A page holds fifty rows of eight or nine cells; through the template language each row
cost about a quarter of a millisecond (a variable lookup, a filter or a translation per
cell, a URL reversed per row): more than the rest of the page. The rows are f-strings
instead, the words and the URLs looked up once per page, every value from the database
escaped with ``escape``.
"""

from __future__ import annotations

import html
import unicodedata

from django.urls import reverse
from django.utils.text import Truncator

# Stands in for a primary key while a URL is reversed once for the whole page.
PK = 2147483647


def escape(value: object) -> str:
    """django.utils.html.escape without its checks for lazy strings: the same text."""
    return html.escape(str(value))


def truncate(text: str, length: int) -> str:
    """``truncatechars``: the text as it is when it is short and in its usual (NFC) form,
    else Django's Truncator (the language's ellipsis: "..." in Chinese, "…" in English)."""
    if len(text) <= length and unicodedata.is_normalized("NFC", text):
        return text
    return Truncator(text).chars(length)


def url_parts(name: str, *args: object) -> tuple[str, str]:
    """The parts of a URL around its primary key, reversed once: ``f"{a}{pk}{b}"``.
    ``args`` are the URL's arguments with ``PK`` where the key goes (first if absent)."""
    if PK not in args:
        args = (PK, *args)
    before, _sep, after = reverse(name, args=args).partition(str(PK))
    return before, after
