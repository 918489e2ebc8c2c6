from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_clock_rules(sender, **kwargs):
    from .policy import ensure_clock_rules

    ensure_clock_rules()


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from staff.views import HEALTH_HEARTBEATS

        from .deadlines import HEARTBEAT_KEY

        # /health turns 503 when the sweep has not finished for twice its interval.
        HEALTH_HEARTBEATS[HEARTBEAT_KEY] = 2 * settings.DEADLINE_SWEEP_SECONDS
        # Every clock has its row for managers to edit, even after a flush.
        post_migrate.connect(_ensure_clock_rules, sender=self, dispatch_uid="complaints_rules")
