"""Encrypt every stored document's owner and fill its keyed hash (0003)."""

from django.db import migrations

from core.migration_ops import encrypt_columns


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0003_encrypt_store_owner"),
    ]

    operations = [
        encrypt_columns("documents", "storedocument", ["owner_id"], {"owner_id_hash": "owner_id"}),
    ]
