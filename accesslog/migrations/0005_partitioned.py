# The access log is partitioned by month on PostgreSQL (core/partitions.py,
# docs/partitions.md); its append-only triggers (0002) are recreated on the partitioned table
# and repeated on each partition. SQLite keeps the plain table; the state is unchanged.

from django.db import migrations

from core.partitions import migration_operation


class Migration(migrations.Migration):
    dependencies = [("accesslog", "0004_workspace_purposes")]

    operations = [migration_operation("accesslog_accessrecord")]
