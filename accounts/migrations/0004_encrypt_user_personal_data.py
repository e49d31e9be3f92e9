"""The user's personal ID and phone encrypted at rest (issue 12, section 5;
docs/personal-data.md): the columns widen to text and the personal ID's keyed hash is added;
0005 encrypts the rows, 0006 makes the fields encrypted and moves the one-citizen-per-person
constraint to the hash."""

from django.db import migrations, models

import core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_auth_tokens"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="user", name="user_citizen_personal_id"),
        migrations.AddField(
            model_name="user",
            name="personal_id_hash",
            field=core.fields.BlindIndexField(source="personal_id"),
        ),
        migrations.AlterField(
            model_name="user",
            name="personal_id",
            field=models.TextField(blank=True, default="", verbose_name="số định danh cá nhân"),
        ),
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=models.TextField(blank=True, default="", verbose_name="số điện thoại"),
        ),
    ]
