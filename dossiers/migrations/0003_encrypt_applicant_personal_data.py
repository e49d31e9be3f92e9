"""Personal data of applicants encrypted at rest (issue 12, section 5; docs/personal-data.md).

In three steps, each its own transaction: the columns widen to text and the keyed hashes are
added (here), every existing row is encrypted and hashed (0004), and the fields become
encrypted ones (0005, no SQL). The index on the clear personal ID goes: the hash's replaces it.
"""

from django.db import migrations, models

import core.fields

CLEAR_TEXT = {
    "personal_id": "số định danh cá nhân",
    "tax_code": "mã số thuế / mã số doanh nghiệp",
    "phone": "số điện thoại",
    "address": "địa chỉ",
    "submitter_personal_id": "số định danh người nộp thay",
}


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0002_next_step_order"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name="applicant",
                name=f"{source}_hash",
                field=core.fields.BlindIndexField(source=source),
            )
            for source in ("personal_id", "tax_code", "phone")
        ),
        *(
            migrations.AlterField(
                model_name="applicant",
                name=name,
                field=models.TextField(blank=True, default="", verbose_name=label),
            )
            for name, label in CLEAR_TEXT.items()
        ),
    ]
