"""PostgreSQL: store the search vector (a generated column) and index it, instead of re-parsing
`search_text` for every matching row when ranking. SQLite has no such column (see selectors).

The GIN index is built with fastupdate off: the catalogue is written rarely, in bulk, and with
the pending list on, freshly imported rows sit outside the index tree until a vacuum, which
makes the planner price the index out and scan the table instead."""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS procedure_search_fts",
    "ALTER TABLE procedures_procedure ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS procedure_search_fts ON procedures_procedure "
    "USING gin (search_vector) WITH (fastupdate = off) WHERE status = 'published'",
]
BACKWARD = [
    "DROP INDEX IF EXISTS procedure_search_fts",
    "ALTER TABLE procedures_procedure DROP COLUMN IF EXISTS search_vector",
    "CREATE INDEX IF NOT EXISTS procedure_search_fts ON procedures_procedure "
    "USING gin (to_tsvector('simple'::regconfig, search_text)) WHERE status = 'published'",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0002_search_index")]
    operations = [migrations.RunPython(forward, backward)]
