from django.core.management.base import BaseCommand

from payments.reconcile import reconcile


class Command(BaseCommand):
    help = "Ask the payment platform about every payment still pending after its expiry."

    def handle(self, *args, **options):
        counts = reconcile()
        total = sum(counts.values())
        self.stdout.write(self.style.SUCCESS(f"{total} payment(s) asked about."))
        for outcome, n in sorted(counts.items()):
            self.stdout.write(f"  {outcome}: {n}")
