"""The default notification templates (notifications/defaults.py), version 1 of each."""

from django.db import migrations


def seed(apps, schema_editor):
    from notifications import defaults

    defaults.seed(apps.get_model("notifications", "NotificationTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
