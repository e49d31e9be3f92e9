"""The applicant's personal data become encrypted fields (no SQL: the columns are text since
0003 and hold ciphertext since 0004), and the keyed hashes are indexed (after they were filled:
the indexes are built once, not updated row by row)."""

import django.core.validators
from django.conf import settings
from django.db import migrations, models

import core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0004_encrypt_applicant_rows"),
        ("organisations", "0002_own_tables"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="applicant",
            name="address",
            field=core.fields.EncryptedTextField(
                blank=True, default="", max_length=500, verbose_name="địa chỉ"
            ),
        ),
        migrations.AlterField(
            model_name="applicant",
            name="personal_id",
            field=core.fields.EncryptedTextField(
                blank=True,
                default="",
                max_length=12,
                validators=[
                    django.core.validators.RegexValidator(
                        "^\\d{12}$", "Số định danh cá nhân gồm đúng 12 chữ số.", code="personal_id"
                    )
                ],
                verbose_name="số định danh cá nhân",
            ),
        ),
        migrations.AlterField(
            model_name="applicant",
            name="phone",
            field=core.fields.EncryptedTextField(
                blank=True,
                default="",
                max_length=16,
                validators=[
                    django.core.validators.RegexValidator(
                        "^\\+?\\d{9,15}$", "Số điện thoại không hợp lệ.", code="phone"
                    )
                ],
                verbose_name="số điện thoại",
            ),
        ),
        migrations.AlterField(
            model_name="applicant",
            name="submitter_personal_id",
            field=core.fields.EncryptedTextField(
                blank=True,
                default="",
                max_length=12,
                validators=[
                    django.core.validators.RegexValidator(
                        "^\\d{12}$", "Số định danh cá nhân gồm đúng 12 chữ số.", code="personal_id"
                    )
                ],
                verbose_name="số định danh người nộp thay",
            ),
        ),
        migrations.AlterField(
            model_name="applicant",
            name="tax_code",
            field=core.fields.EncryptedTextField(
                blank=True,
                default="",
                max_length=14,
                validators=[
                    django.core.validators.RegexValidator(
                        "^\\d{10}(-\\d{3})?$",
                        "Mã số thuế/mã số doanh nghiệp gồm 10 chữ số (hoặc 10-3).",
                        "tax",
                    )
                ],
                verbose_name="mã số thuế / mã số doanh nghiệp",
            ),
        ),
        migrations.AddIndex(
            model_name="applicant",
            index=models.Index(fields=["personal_id_hash"], name="applicant_personal_id_hash"),
        ),
        migrations.AddIndex(
            model_name="applicant",
            index=models.Index(fields=["tax_code_hash"], name="applicant_tax_code_hash"),
        ),
        migrations.AddIndex(
            model_name="applicant",
            index=models.Index(fields=["phone_hash"], name="applicant_phone_hash"),
        ),
    ]
