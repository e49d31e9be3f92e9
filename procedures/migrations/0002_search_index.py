"""Full-text search index on PostgreSQL (SQLite falls back to LIKE; see procedures/selectors.py)."""

from django.db import migrations

INDEX = (
    "CREATE INDEX IF NOT EXISTS procedure_search_fts ON procedures_procedure "
    "USING gin (to_tsvector('simple'::regconfig, search_text)) WHERE status = 'published'"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS procedure_search_fts")


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
