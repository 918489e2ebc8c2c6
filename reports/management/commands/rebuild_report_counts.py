"""Count every case again into the counts the monthly report reads (``reports.counts``):
after a bulk load with triggers off, or a change of ``TIME_ZONE``."""

from django.core.management.base import BaseCommand

from reports import counts


class Command(BaseCommand):
    help = "Count every case again into the counts the monthly report reads."

    def handle(self, *args, **options) -> None:
        counts.rebuild()
        self.stdout.write(self.style.SUCCESS("Monthly report counts rebuilt."))
