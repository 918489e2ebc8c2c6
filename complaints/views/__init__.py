"""Thin views: fetch through the scoping selector, validate with a form, call one
service, redirect. A refused action becomes a message; nothing is half-saved."""

from .detail import ACTIONS, _detail_context, act, decide_extension, detail, print_form
from .intake import intake
from .lists import complaint_list, queue

__all__ = [
    "ACTIONS",
    "_detail_context",
    "act",
    "complaint_list",
    "decide_extension",
    "detail",
    "intake",
    "print_form",
    "queue",
]
