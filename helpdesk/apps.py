from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = _("Inquiries, help requests and the duty log")

    def ready(self) -> None:
        from casework.sweep import register
        from staff import privacy

        from . import (
            contact,
            policy,  # noqa: F401 - registers the rules
        )
        from .clocks import TABLE

        register(TABLE)
        privacy.register(contact.CASE)
