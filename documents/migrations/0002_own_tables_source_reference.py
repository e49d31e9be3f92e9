"""Issue 11's split: the models moved here take this app's own table names, their content types
follow them (permissions, admin history), and a data-store document names the dossier it came
from by its code (`source_reference`) instead of a foreign key to `dossiers` (the store sits
below the dossiers: docs/architecture.md).

A database from before the split still has the old `source_dossier_id` column: each document's
dossier code is read through it, the new column is added, filled, and the old column dropped.
A database created after the split has no such column: the new column is simply added."""

from django.db import migrations, models

from core.migration_ops import relabel_content_types

OLD_COLUMN = "source_dossier_id"


def source_reference_field() -> models.CharField:
    field = models.CharField(blank=True, max_length=64, verbose_name="hồ sơ nguồn", default="")
    field.set_attributes_from_name("source_reference")
    return field


def add_source_reference(apps, schema_editor):
    connection = schema_editor.connection
    model = apps.get_model("documents", "StoreDocument")
    table = model._meta.db_table
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
        codes = []
        if OLD_COLUMN in columns:
            cursor.execute(
                f"SELECT s.id, d.code FROM {table} s "  # noqa: S608 - constant names
                f"JOIN dossiers_dossier d ON d.id = s.{OLD_COLUMN}"
            )
            codes = cursor.fetchall()
    # On SQLite this rebuilds the table from the model as migrations know it, which has no
    # old column: it goes with the rebuild. PostgreSQL adds the column in place.
    schema_editor.add_field(model, source_reference_field())
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET source_reference = %s WHERE id = %s",  # noqa: S608
            [(code, pk) for pk, code in codes],
        )
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
    if OLD_COLUMN in columns:
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN {OLD_COLUMN}")


def remove_source_reference(apps, schema_editor):
    model = apps.get_model("documents", "StoreDocument")
    schema_editor.remove_field(model, model._meta.get_field("source_reference"))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("documents", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="storedfile", table=None),
        migrations.AlterModelTable(name="storedocument", table=None),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="storedocument",
                    name="source_reference",
                    field=models.CharField(blank=True, max_length=64, verbose_name="hồ sơ nguồn"),
                )
            ],
            database_operations=[
                migrations.RunPython(add_source_reference, remove_source_reference)
            ],
        ),
        relabel_content_types("dossiers", "documents", ["storedfile", "storedocument"]),
    ]
