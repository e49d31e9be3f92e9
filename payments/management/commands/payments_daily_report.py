from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payments.client import PlatformUnavailable
from payments.reconcile import daily_report


class Command(BaseCommand):
    help = "Compare the payment platform's daily report with our payments of that local day."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="yyyy-mm-dd (default: yesterday, local time)")

    def handle(self, *args, date=None, **options):
        try:
            day = _parse(date) if date else timezone.localdate() - timedelta(days=1)
            differences = daily_report(day)
        except PlatformUnavailable as exc:
            raise CommandError(f"the platform does not answer: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{day}: {len(differences)} difference(s)."))
        for d in differences:
            self.stdout.write(f"  {d.kind}\t{d.reference}\tours={d.ours}\tplatform={d.platform}")


def _parse(text: str):
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--date: not a date: {text!r}") from exc
