"""Run one watchdog pass now (what the beat does every WATCHDOG_INTERVAL seconds)."""

import json

from django.core.management.base import BaseCommand

from watchdog import services


class Command(BaseCommand):
    help = "Một lượt giám sát hồ sơ: im lặng, nhắc việc theo bậc, dừng khi quá hạn bổ sung."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, batch_size=None, **options):
        stats = services.run_pass(batch_size=batch_size)
        self.stdout.write(json.dumps(stats.as_dict()))
