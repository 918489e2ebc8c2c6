"""Count every complaint again into the monthly report's counts (``reports.counts``):
after a bulk load with triggers off, or a change of ``TIME_ZONE``."""

from django.core.management.base import BaseCommand

from reports import counts


class Command(BaseCommand):
    help = "Count every complaint again into the monthly report's month counts."

    def handle(self, *args, **options) -> None:
        counts.rebuild()
        self.stdout.write(self.style.SUCCESS("Monthly report counts rebuilt."))
