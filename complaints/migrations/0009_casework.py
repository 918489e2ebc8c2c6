"""The complaint desk becomes the first client of the shared casework app: its clock
rules and fired alarms move into casework's tables, and its handling log takes the
shared append-only trigger."""

from django.db import migrations

from casework.operations import AppendOnly

COPY_RULES = """
INSERT INTO casework_clockrule (key, amount, unit, remind_at_percent, source)
SELECT 'complaint.' || clock, amount, unit, remind_at_percent, source
FROM complaints_clockrule
ON CONFLICT (key) DO NOTHING
"""
COPY_RULES_BACK = """
INSERT INTO complaints_clockrule (clock, amount, unit, remind_at_percent, source)
SELECT substr(key, 11), amount, unit, remind_at_percent, source
FROM casework_clockrule WHERE key LIKE 'complaint.%%'
ON CONFLICT (clock) DO NOTHING
"""
COPY_ALARMS = """
INSERT INTO casework_alarm (case_type, case_id, clock, kind, due_at, fired_at)
SELECT 'complaint', complaint_id, clock, kind, due_at, fired_at
FROM complaints_clockalarm
ON CONFLICT DO NOTHING
"""
COPY_ALARMS_BACK = """
INSERT INTO complaints_clockalarm (complaint_id, clock, kind, due_at, fired_at)
SELECT case_id, clock, kind, due_at, fired_at
FROM casework_alarm WHERE case_type = 'complaint'
ON CONFLICT DO NOTHING
"""
OLD_TRIGGER = r"""
CREATE OR REPLACE FUNCTION complaints_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the handling log (complaints_complaintevent) is append-only';
END;
$$;
CREATE TRIGGER complaints_event_append_only
  BEFORE UPDATE OR DELETE ON complaints_complaintevent
  FOR EACH ROW EXECUTE FUNCTION complaints_event_append_only();
"""
DROP_OLD_TRIGGER = """
DROP TRIGGER IF EXISTS complaints_event_append_only ON complaints_complaintevent;
DROP FUNCTION IF EXISTS complaints_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0001_initial"),
        ("complaints", "0008_sweep_existing_open_complaints"),
    ]

    operations = [
        migrations.RunSQL(COPY_RULES, COPY_RULES_BACK),
        migrations.RunSQL(COPY_ALARMS, COPY_ALARMS_BACK),
        migrations.RunSQL(DROP_OLD_TRIGGER, OLD_TRIGGER),
        AppendOnly("ComplaintEvent"),
        migrations.DeleteModel(name="ClockAlarm"),
        migrations.DeleteModel(name="ClockRule"),
    ]
