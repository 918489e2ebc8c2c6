"""The search bigrams kept by a trigger instead of a generated column.

PostgreSQL recomputes a stored generated column on every UPDATE of the row, whichever
columns change: each sweep batch, signing, handling… paid ~60 µs a complaint for the
bigram function. A BEFORE INSERT OR UPDATE OF description, demand, location trigger
computes the same value only when one of the three is written. DROP EXPRESSION keeps the
stored values and rewrites nothing.
"""

import django.contrib.postgres.fields
from django.db import migrations, models

FORWARD = r"""
ALTER TABLE complaints_complaint ALTER COLUMN search_bigrams DROP EXPRESSION;
ALTER TABLE complaints_complaint ALTER COLUMN search_bigrams SET DEFAULT '{}';
CREATE OR REPLACE FUNCTION complaint_search_bigrams_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_bigrams := complaint_search_bigrams(NEW.description, NEW.demand, NEW.location);
  RETURN NEW;
END;
$$;
CREATE TRIGGER complaint_search_bigrams_keep
  BEFORE INSERT OR UPDATE OF description, demand, location ON complaints_complaint
  FOR EACH ROW EXECUTE FUNCTION complaint_search_bigrams_keep();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS complaint_search_bigrams_keep ON complaints_complaint;
DROP FUNCTION IF EXISTS complaint_search_bigrams_keep();
ALTER TABLE complaints_complaint DROP COLUMN search_bigrams;
ALTER TABLE complaints_complaint ADD COLUMN search_bigrams text[]
  GENERATED ALWAYS AS (complaint_search_bigrams(description, demand, location)) STORED;
CREATE INDEX complaint_bigrams_gin ON complaints_complaint USING gin (search_bigrams);
"""


class Migration(migrations.Migration):
    dependencies = [("complaints", "0012_complaintcounter_verbose_names")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AlterField(
                    model_name="complaint",
                    name="search_bigrams",
                    field=django.contrib.postgres.fields.ArrayField(
                        base_field=models.TextField(), blank=True, default=list, editable=False, size=None
                    ),
                )
            ],
        )
    ]
