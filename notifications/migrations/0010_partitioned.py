# The notifications are partitioned by month on PostgreSQL (core/partitions.py,
# docs/partitions.md). The foreign keys pointing into a partitioned table lose their database
# constraint first: DeliveryReceipt.notification, and Notification.event into the events, which
# dossiers/0011 partitions: this migration runs before it (run_before: the lower app's migration
# names no app above it). Django still cascades the deletions. SQLite keeps plain tables (and
# loses the constraints too, as the models say).

import django.db.models.deletion
from django.db import migrations, models

from core.migration_ops import DropForeignKeyConstraint
from core.partitions import migration_operation


class Migration(migrations.Migration):
    dependencies = [("notifications", "0009_appointment_reminder")]
    run_before = [("dossiers", "0011_partition_events")]

    operations = [
        DropForeignKeyConstraint(
            model_name="deliveryreceipt",
            name="notification",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="receipts",
                to="notifications.notification",
                verbose_name="thông báo",
            ),
        ),
        DropForeignKeyConstraint(
            model_name="notification",
            name="event",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="dossiers.event",
                verbose_name="sự kiện",
            ),
        ),
        migration_operation("notifications_notification"),
    ]
