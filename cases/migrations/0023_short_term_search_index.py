"""An index for search terms of one or two characters (整改, 县), which pg_trgm cannot serve (it
needs three characters for a trigram): a GIN index over the array of every one- and
two-character substring of a measure's label and text (`rectify_short_grams(label, text)`, an
immutable SQL function), queried with `@> ARRAY[term]` by `cases.filters.search_measures`. PostgreSQL only;
SQLite searches a county's ledger with LIKE."""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION rectify_short_grams(label text, body text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
    SELECT substr(v, i, 1) AS g FROM (SELECT upper(label || ' ' || body) AS v) AS t,
           generate_series(1, char_length(v)) AS i
    UNION ALL
    SELECT substr(v, i, 2) FROM (SELECT upper(label || ' ' || body) AS v) AS t,
           generate_series(1, char_length(v) - 1) AS i
  ) AS grams WHERE g !~ '\s'
$$
"""
INDEX = ('CREATE INDEX IF NOT EXISTS "measure_short_grams_idx" ON "cases_measure" '
         "USING gin (rectify_short_grams(\"label\", \"text\"))")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('DROP INDEX IF EXISTS "measure_short_grams_idx"')
    schema_editor.execute("DROP FUNCTION IF EXISTS rectify_short_grams(text, text)")


class Migration(migrations.Migration):

    dependencies = [("cases", "0022_figures_awaiting_and_levels")]

    operations = [migrations.RunPython(create, drop)]
