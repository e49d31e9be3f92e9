"""The applicant's personal data become encrypted fields (no SQL: the columns are text since
0003 and hold ciphertext since 0004)."""

import django.core.validators
from django.db import migrations

import core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0004_encrypt_applicant_rows"),
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
    ]
