"""The user's personal ID and phone become encrypted fields (no SQL); the one-citizen-per-person
constraint is on the keyed hash now (0004, 0005). The manager keeps the hash on update()."""

from django.db import migrations, models

import accounts.models
import core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_encrypt_user_rows"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("organisations", "0002_own_tables"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", accounts.models.AccountManager()),
            ],
        ),
        migrations.AlterField(
            model_name="user",
            name="personal_id",
            field=core.fields.EncryptedTextField(
                blank=True, default="", max_length=12, verbose_name="số định danh cá nhân"
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=core.fields.EncryptedTextField(
                blank=True, default="", max_length=20, verbose_name="số điện thoại"
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("role", "citizen"), models.Q(("personal_id_hash", ""), _negated=True)
                ),
                fields=("personal_id_hash",),
                name="user_citizen_personal_id",
            ),
        ),
    ]
