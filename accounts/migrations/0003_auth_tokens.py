"""API tokens move from DRF's authtoken (one plaintext token per account) to django-rest-knox
with accounts.AuthToken (one hashed token per login). The old tokens are not carried over: they
were stored in clear, and clients log in again. DRF's authtoken app is no longer installed, so
its table is dropped (where a database has it) and its migrations are forgotten, as if it had
never been installed."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder


def drop_drf_authtoken(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if "authtoken_token" in tables:
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name('authtoken_token')}")
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_own_table"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuthToken",
            fields=[
                ("token_key", models.CharField(db_index=True, max_length=25)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("expiry", models.DateTimeField(blank=True, null=True)),
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("digest", models.CharField(max_length=128, unique=True)),
                ("device", models.CharField(blank=True, max_length=100, verbose_name="thiết bị")),
                (
                    "purpose",
                    models.CharField(
                        choices=[
                            ("session", "Đăng nhập"),
                            ("otp_enrolment", "Đăng ký xác thực hai lớp"),
                        ],
                        default="session",
                        max_length=20,
                        verbose_name="mục đích",
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="dùng lần cuối"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="auth_token_set",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "token API",
                "verbose_name_plural": "token API",
            },
        ),
        migrations.RunPython(drop_drf_authtoken, migrations.RunPython.noop, elidable=True),
    ]
