from django.core.management.base import BaseCommand

from integrations.portal.reconcile import reconcile


class Command(BaseCommand):
    help = "Compare the portal's view of recent dossiers with ours and resend where they drift."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours, **options):
        repaired = reconcile(hours=hours)
        self.stdout.write(self.style.SUCCESS(f"{len(repaired)} dossier(s) resent."))
        for code in repaired:
            self.stdout.write(f"  {code}")
