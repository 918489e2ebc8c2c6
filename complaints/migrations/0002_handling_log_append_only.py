"""The handling log never loses an entry: the database refuses UPDATE and DELETE."""

from django.db import migrations

SQL = r"""
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

REVERSE = r"""
DROP TRIGGER IF EXISTS complaints_event_append_only ON complaints_complaintevent;
DROP FUNCTION IF EXISTS complaints_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
