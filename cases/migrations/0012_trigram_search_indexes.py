"""Trigram (pg_trgm) GIN indexes for substring search on PostgreSQL: measure text and label,
issue titles, unit names, user names. They index UPPER(column), the expression Django's
`icontains` compares, so `search_measures` and the admin search use them. pg_trgm splits
Chinese text into trigrams under this server's C.UTF-8 locale (checked in benchmarks/plans.md);
a term of one or two characters has no trigram and falls back to a scan. SQLite: nothing to do."""

from django.db import migrations

INDEXES = [
    ("measure_text_trgm_idx", "cases_measure", 'UPPER("text"::text)'),
    ("measure_label_trgm_idx", "cases_measure", 'UPPER("label"::text)'),
    ("issue_title_trgm_idx", "cases_issue", 'UPPER("title"::text)'),
    ("unit_name_trgm_idx", "accounts_unit", 'UPPER("name"::text)'),
    ("user_name_trgm_idx", "accounts_user", 'UPPER("name"::text)'),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ({expression} gin_trgm_ops)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0011_merge_20261202_2215"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
