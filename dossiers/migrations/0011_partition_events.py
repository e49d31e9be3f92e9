# The events are partitioned by month on PostgreSQL (core/partitions.py, docs/partitions.md):
# the rows are copied into the partitioned table, the id sequence continues, the primary key
# becomes (id, at). No foreign key can name the id of a partitioned table:
# notifications.Notification.event declares db_constraint=False and its migration
# (notifications/0010, run_before this one) drops the constraint first. SQLite keeps the plain
# table; the state is unchanged.

from django.db import migrations

from core.partitions import migration_operation


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0010_watch_at")]

    operations = [migration_operation("dossiers_event")]
