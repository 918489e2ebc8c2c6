from django.db import migrations, models

APPEND_ONLY = r"""
CREATE OR REPLACE FUNCTION casework_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the log % is append-only', TG_TABLE_NAME;
END;
$$;
"""


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ClockRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(editable=False, max_length=64, unique=True, verbose_name="clock")),
                ("amount", models.PositiveIntegerField(verbose_name="amount")),
                (
                    "unit",
                    models.CharField(
                        choices=[
                            ("minutes", "minutes"),
                            ("hours", "hours"),
                            ("days", "calendar days"),
                            ("working_days", "working days"),
                            ("same_day", "the same day"),
                        ],
                        max_length=12,
                        verbose_name="time unit",
                    ),
                ),
                (
                    "remind_at_percent",
                    models.PositiveSmallIntegerField(
                        default=75,
                        help_text="A reminder goes out when this share of the time has passed; 0 = none.",
                        verbose_name="reminder, percent of the time",
                    ),
                ),
                ("source", models.CharField(blank=True, max_length=100, verbose_name="source in the manuals")),
            ],
            options={"verbose_name": "clock rule", "verbose_name_plural": "clock rules", "ordering": ["key"]},
        ),
        migrations.CreateModel(
            name="Alarm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("case_type", models.CharField(max_length=32, verbose_name="kind of case")),
                ("case_id", models.BigIntegerField(verbose_name="case")),
                ("clock", models.CharField(max_length=32, verbose_name="clock")),
                (
                    "kind",
                    models.CharField(
                        choices=[("reminder", "Reminder"), ("due", "Deadline reached")],
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                ("due_at", models.DateTimeField(verbose_name="deadline")),
                ("fired_at", models.DateTimeField(verbose_name="fired at")),
            ],
            options={
                "verbose_name": "clock alarm",
                "verbose_name_plural": "clock alarms",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("case_type", "case_id", "clock", "kind", "due_at"),
                        name="casework_alarm_once",
                    )
                ],
                "indexes": [
                    models.Index(fields=["case_type", "clock", "due_at"], name="casework_alarm_clock_idx")
                ],
            },
        ),
        migrations.RunSQL(APPEND_ONLY, "DROP FUNCTION IF EXISTS casework_append_only();"),
    ]
