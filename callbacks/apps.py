from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallbacksConfig(AppConfig):
    name = "callbacks"
    verbose_name = _("Callbacks")

    def ready(self) -> None:
        from casework.sweep import register
        from complaints.signals import complaint_closed
        from repairs.signals import repair_finished

        from . import receivers
        from .clocks import TABLE

        register(TABLE)
        complaint_closed.connect(receivers.complaint_closed, dispatch_uid="callbacks.complaint")
        repair_finished.connect(receivers.repair_finished, dispatch_uid="callbacks.repair")
