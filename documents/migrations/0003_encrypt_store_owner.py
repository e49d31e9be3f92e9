"""The data store's owner (a personal ID or tax code) encrypted at rest (issue 12, section 5;
docs/personal-data.md): the column widens to text and its keyed hash is added; 0004 encrypts
the rows, 0005 makes the field encrypted and rebuilds the owner's index on the hash."""

from django.db import migrations, models

import core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_own_tables_source_reference"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="storedocument", name="store_owner_recent"),
        migrations.AddField(
            model_name="storedocument",
            name="owner_id_hash",
            field=core.fields.BlindIndexField(source="owner_id"),
        ),
        migrations.AlterField(
            model_name="storedocument",
            name="owner_id",
            field=models.TextField(default="", verbose_name="số định danh chủ sở hữu"),
        ),
    ]
