"""The satisfaction rating's link in the returned / refused / receipt-refused notices
(notifications/defaults.py `add_rating_link`: a new version where the shipped one is unchanged)."""

from django.db import migrations


def add(apps, schema_editor):
    from notifications import defaults

    defaults.add_rating_link(apps.get_model("notifications", "NotificationTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_default_templates")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
