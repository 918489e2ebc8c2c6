"""A complaint closed or a repair's work done opens its callback, in the same
transaction as the change that caused it."""

from __future__ import annotations

from typing import Any

from . import services


def complaint_closed(sender: Any, *, complaint, actor, **kwargs: Any) -> None:
    services.open_for_complaint(complaint, actor)


def repair_finished(sender: Any, *, order, actor, **kwargs: Any) -> None:
    services.open_for_repair(order, actor)
