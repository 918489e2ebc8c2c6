"""The clocks of SPEC §3 with the seeds' numbers. Safe to rerun: existing rows are kept
(a manager may have changed them)."""

from django.db import migrations

DEFAULTS = [
    ("route", 10, "minutes", "002 §4.4, 004 §4.3.4"),
    ("escalate_important", 1, "hours", "002 §4.5"),
    ("escalate_major", 0, "same_day", "002 §4.5"),
    ("resolve_minor", 2, "days", "002 §4.6"),
    ("resolve_important", 3, "days", "002 §4.6"),
    ("answer_major", 2, "days", "002 §4.6"),
    ("resolve_major", 10, "days", "002 §4.6"),
    ("upgrade", 30, "days", "002 §4.3"),
    ("inform", 0, "same_day", "002 §7"),
]


def load(apps, schema_editor):
    ClockRule = apps.get_model("complaints", "ClockRule")
    for clock, amount, unit, source in DEFAULTS:
        ClockRule.objects.get_or_create(
            clock=clock, defaults={"amount": amount, "unit": unit, "source": source}
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_handling_log_append_only")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
