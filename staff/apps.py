from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, **kwargs):
    from .services import contact_roles_ensure, sync_role_groups

    sync_role_groups()
    contact_roles_ensure()


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Estates and staff")

    def ready(self) -> None:
        # Keeps role groups in step when a release adds a capability.
        post_migrate.connect(_sync_role_groups, sender=self, dispatch_uid="staff_sync_role_groups")
