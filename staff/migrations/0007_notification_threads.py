"""Existing inbox rows get their thread (``complaint:42``) and, from their key, the kind
of message they are. Safe to rerun: only rows without a thread are touched."""

from django.db import migrations

FILL = r"""
UPDATE staff_notification SET
    thread = CASE WHEN key ~ '^[^:]+:[0-9]+:'
        THEN split_part(key, ':', 1) || ':' || split_part(key, ':', 2) ELSE left(key, 200) END,
    kind = CASE
        WHEN key ~ '^complaint:[0-9]+:[a-z_]+:reminder:' THEN 'due_soon'
        WHEN key ~ '^complaint:[0-9]+:(escalate|upgrade):due:' THEN 'escalated'
        WHEN key ~ '^complaint:[0-9]+:[a-z_]+:due:' THEN 'overdue'
        WHEN key ~ '^complaint:[0-9]+:routed:' THEN 'routed'
        ELSE kind END
WHERE thread = ''
"""


class Migration(migrations.Migration):
    dependencies = [("staff", "0006_notification_kinds")]

    operations = [migrations.RunSQL(FILL, migrations.RunSQL.noop)]
