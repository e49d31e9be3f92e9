"""The store's owner becomes an encrypted field (no SQL) and its index is rebuilt on the keyed
hash (0003, 0004)."""

from django.db import migrations, models

import core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0004_encrypt_store_rows"),
    ]

    operations = [
        migrations.AlterField(
            model_name="storedocument",
            name="owner_id",
            field=core.fields.EncryptedTextField(
                default="", max_length=14, verbose_name="số định danh chủ sở hữu"
            ),
        ),
        migrations.AddIndex(
            model_name="storedocument",
            index=models.Index(fields=["owner_id_hash", "-created_at"], name="store_owner_recent"),
        ),
    ]
