"""Drop the single-column indexes on code and status (the (code, version) constraint and the
(status, …) indexes cover them).

Written by hand: Django's own AlterField(db_index=False) on PostgreSQL also drops every other
single-column index on `code`, including the partial unique index that allows one published
version per code (procedure_one_published_version). Here only the redundant ones go.
"""

from django.db import migrations, models

REDUNDANT = [
    "procedures_procedure_code_e4d5567f",
    "procedures_procedure_code_e4d5567f_like",
    "procedures_procedure_status_414c55aa",
    "procedures_procedure_status_414c55aa_like",
]


def drop(apps, schema_editor):
    for name in REDUNDANT:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("procedures", "0003_search_vector_column")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="procedure",
                    name="code",
                    field=models.CharField(max_length=20, verbose_name="mã thủ tục"),
                ),
                migrations.AlterField(
                    model_name="procedure",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("draft", "Dự thảo"),
                            ("published", "Đang áp dụng"),
                            ("retired", "Hết hiệu lực"),
                        ],
                        default="draft",
                        max_length=16,
                        verbose_name="trạng thái",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, migrations.RunPython.noop)],
        )
    ]
