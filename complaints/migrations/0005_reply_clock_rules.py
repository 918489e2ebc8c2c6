"""Seed 003's reply clocks: an oral complaint gets a reply within 1 working day, a letter
a written reply within 3 working days. Existing rows are kept."""

from django.db import migrations

DEFAULTS = [
    ("reply_oral", 1, "working_days", "003"),
    ("reply_written", 3, "working_days", "003"),
]


def load(apps, schema_editor):
    ClockRule = apps.get_model("complaints", "ClockRule")
    for clock, amount, unit, source in DEFAULTS:
        ClockRule.objects.get_or_create(
            clock=clock, defaults={"amount": amount, "unit": unit, "source": source}
        )
    # Escalation and upgrade are actions, not deadlines someone works towards.
    ClockRule.objects.filter(clock__in=["escalate_important", "escalate_major", "upgrade"]).update(
        remind_at_percent=0
    )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0004_deadline_engine")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
