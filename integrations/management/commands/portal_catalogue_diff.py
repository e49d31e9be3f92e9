from django.core.management.base import BaseCommand

from integrations.portal.reconcile import compare_catalogue


class Command(BaseCommand):
    help = "Compare our catalogue with the national portal's procedure list."

    def handle(self, *args, **options):
        diff = compare_catalogue()
        self.stdout.write(f"In our catalogue, unknown to the portal: {len(diff.only_ours)}")
        for code in diff.only_ours:
            self.stdout.write(f"  {code}")
        self.stdout.write(f"At the portal, not in our catalogue: {len(diff.only_portal)}")
        for code in diff.only_portal:
            self.stdout.write(f"  {code}")
