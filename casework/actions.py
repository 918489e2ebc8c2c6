"""An action on a case's page, as every kind of case declares its own: the button, the
form it needs, the service it runs, and the predicate that says who is offered it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Action:
    label: Any  # the button
    form: type | None
    run: Callable[..., Any]  # (actor, case, cleaned data) → the service's result
    allowed: Callable[[Any, Any], bool]  # (actor, case): the permissions' predicate
    css: str = "btn-primary"
    title: Any = None  # the heading of an action with a form
    collapsed: bool = False  # an occasional action: its form opens on demand
