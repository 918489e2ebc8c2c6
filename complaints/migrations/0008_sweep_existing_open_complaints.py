"""Open complaints that existed before the deadline engine have no sweep_at: let the
next sweep look at each of them once (it then works out their real next alarm).
Safe to rerun: only rows still without one are touched."""

from django.db import migrations

SQL = """
UPDATE complaints_complaint SET sweep_at = now()
WHERE status <> 'closed' AND sweep_at IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [("complaints", "0007_reopened_at_and_withdrawn")]
    operations = [migrations.RunSQL(SQL, migrations.RunSQL.noop)]
