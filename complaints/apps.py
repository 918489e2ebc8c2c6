from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from casework.sweep import register
        from staff import privacy

        from . import contact
        from .clocks import TABLE

        # policy (imported by clocks) names the complaint clocks in the rule book.
        register(TABLE)
        privacy.register(contact.CASE)
