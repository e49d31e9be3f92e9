"""Encrypt the personal data of every existing applicant and fill the keyed hashes (0003)."""

from django.db import migrations

from core.migration_ops import encrypt_columns


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0003_encrypt_applicant_personal_data"),
    ]

    operations = [
        encrypt_columns(
            "dossiers",
            "applicant",
            ["personal_id", "tax_code", "phone", "address", "submitter_personal_id"],
            {
                "personal_id_hash": "personal_id",
                "tax_code_hash": "tax_code",
                "phone_hash": "phone",
            },
        ),
    ]
