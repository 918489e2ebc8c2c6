from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_rules(sender: Any, apps: Any = None, **kwargs: Any) -> None:
    from .rules import ensure_rules

    try:
        if apps is not None:  # migrate passes the migrated state; flush passes none
            apps.get_model("casework", "ClockRule")
    except LookupError:
        return  # casework was migrated back to zero: no table to fill
    ensure_rules()


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Casework: clocks and rules")

    def ready(self) -> None:
        from staff.views import HEALTH_HEARTBEATS

        from .sweep import HEARTBEAT_KEY

        # /health turns 503 when the sweep has not finished for twice its interval.
        HEALTH_HEARTBEATS[HEARTBEAT_KEY] = 2 * settings.DEADLINE_SWEEP_SECONDS
        # Every registered clock has its row for managers to edit, even after a flush.
        # The domain apps registered their rules in their own ready(), before migrate.
        post_migrate.connect(_ensure_rules, sender=self, dispatch_uid="casework_rules")
