from django.apps import AppConfig


class CaseworkTestConfig(AppConfig):
    """A throwaway kind of case, installed by the test settings only: the engine is
    proven once on it, and every real kind of case inherits the proof."""

    name = "tests.casework_app"
    label = "casework_test"
    verbose_name = "测试事项"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from casework.sweep import register

        from .clocks import TABLE

        register(TABLE)
