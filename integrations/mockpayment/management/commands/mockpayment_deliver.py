"""Deliver the mock payment platform's due notifications (IPN) and expire its overdue
transactions: once, or every --interval seconds with --loop (beside `run_mock_payment
--workers N`, or where no Celery beat runs)."""

import time

from django.core.management.base import BaseCommand

from integrations.mockpayment.notify import run_once


class Command(BaseCommand):
    help = "Deliver the mock payment platform's due notifications (IPN)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep delivering.")
        parser.add_argument("--interval", type=float, default=5.0)
        parser.add_argument(
            "--force", action="store_true", help="Send every pending notification, due or not."
        )

    def handle(self, *args, loop, interval, force, **options):
        while True:
            done = run_once(force=force)
            if options["verbosity"] > 0 and (done["attempts"] or done["expired"] or not loop):
                self.stdout.write(
                    f"{done['attempts']} notification attempt(s), {done['expired']} expired"
                )
            if not loop:
                return
            time.sleep(interval)
