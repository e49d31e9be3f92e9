from django.core.management.base import BaseCommand

from outbox import delivery
from outbox.models import OutboxMessage


class Command(BaseCommand):
    help = "Give dead outbox messages another chance (all, or of one topic / key)."

    def add_arguments(self, parser):
        parser.add_argument("--topic")
        parser.add_argument("--key")

    def handle(self, *args, topic=None, key=None, **options):
        queryset = OutboxMessage.objects.all()
        if topic:
            queryset = queryset.filter(topic=topic)
        if key:
            queryset = queryset.filter(key=key)
        count = delivery.requeue(queryset)
        self.stdout.write(self.style.SUCCESS(f"{count} dead message(s) requeued."))
