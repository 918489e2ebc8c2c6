"""The search-bigram function in linear time.

The first version took substr(s, i, 2) for every position i: on a multibyte string
each substr walks from the start, so a 10,000-character description took seconds to
save (the generated column calls the function on every write). Splitting the text into
characters once and pairing each with the next (lead) gives the same grams in one pass.
The output is identical, so stored values stay valid and nothing is rewritten.
"""

from django.db import migrations

LINEAR = r"""
CREATE OR REPLACE FUNCTION complaint_search_bigrams(a text, b text, c text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}'::text[])
  FROM (
    SELECT ch || lead(ch) OVER (ORDER BY i) AS g
    FROM unnest(string_to_array(
           lower(coalesce(a, '') || ' ' || coalesce(b, '') || ' ' || coalesce(c, '')), NULL
         )) WITH ORDINALITY AS u(ch, i)
  ) grams
  WHERE g IS NOT NULL AND g !~ '[[:space:][:punct:]，。！？、；：“”‘’（）《》【】…—]'
$$;
"""

QUADRATIC = r"""
CREATE OR REPLACE FUNCTION complaint_search_bigrams(a text, b text, c text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}'::text[])
  FROM (
    SELECT substr(s, i, 2) AS g
    FROM (SELECT lower(coalesce(a, '') || ' ' || coalesce(b, '') || ' ' || coalesce(c, '')) AS s) t,
         generate_series(1, greatest(char_length(s) - 1, 0)) AS i
  ) grams
  WHERE g !~ '[[:space:][:punct:]，。！？、；：“”‘’（）《》【】…—]'
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("complaints", "0009_casework")]
    operations = [migrations.RunSQL(LINEAR, QUADRATIC)]
