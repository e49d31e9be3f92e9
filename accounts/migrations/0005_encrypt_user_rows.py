"""Encrypt every existing user's personal ID and phone and fill the ID's keyed hash (0004)."""

from django.db import migrations

from core.migration_ops import encrypt_columns


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_encrypt_user_personal_data"),
    ]

    operations = [
        encrypt_columns(
            "accounts", "user", ["personal_id", "phone"], {"personal_id_hash": "personal_id"}
        ),
    ]
