"""Who may act on a case, and in which state: the errors every kind of case raises, and
the ``Permission`` each verb of a domain app declares (who may; why not in this
state), which both its services (refusing with a reason) and its screens (offering only
what is allowed) ask."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.utils.functional import Promise

Actor = User | AnonymousUser


class CaseError(Exception):
    """An action refused; the message is shown to the user as it is."""


class NotAllowed(CaseError):
    """The actor may not do this (role, estate, department, assignment)."""


class IllegalTransition(CaseError):
    """The case is in a state where this cannot happen."""


class Conflict(CaseError):
    """Somebody else changed the case first."""


@dataclass(frozen=True)
class Permission[Case]:
    who: Callable[[Actor, Case], bool]
    denied: str | Promise  # the message when ``who`` says no
    refusal: Callable[[Case], CaseError | None]  # why not in this state, or None

    def allows(self, actor: Actor, case: Case) -> bool:
        return self.who(actor, case) and self.refusal(case) is None

    def check(self, actor: Actor, case: Case) -> None:
        if not self.who(actor, case):
            raise NotAllowed(str(self.denied))
        refusal = self.refusal(case)
        if refusal is not None:
            raise refusal
