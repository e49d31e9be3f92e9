# The payments' message log is partitioned by month on PostgreSQL (core/partitions.py,
# docs/partitions.md). SQLite keeps the plain table; the state is unchanged.

from django.db import migrations

from core.partitions import migration_operation


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migration_operation("payments_paymentmessage")]
