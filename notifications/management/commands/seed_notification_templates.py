"""Create the default notification templates that are missing (version 1 of each)."""

from django.core.management.base import BaseCommand

from notifications import defaults
from notifications.models import NotificationTemplate


class Command(BaseCommand):
    help = "Create the default notification templates (vi, en) that have no version yet."

    def handle(self, *args, **options):
        made = defaults.seed(NotificationTemplate)
        self.stdout.write(f"{made} notification templates created.")
