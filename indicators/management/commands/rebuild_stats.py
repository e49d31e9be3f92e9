"""Recompute every indicator cell from the raw dossier and outbox rows (after a bulk load)."""

import time

from django.core.management.base import BaseCommand

from indicators import rebuild


class Command(BaseCommand):
    help = "Tính lại toàn bộ bảng số liệu tổng hợp từ dữ liệu gốc (sau khi nạp hàng loạt)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--method",
            choices=["sql", "python"],
            default=None,
            help="sql (PostgreSQL, set-based; the default there) or python (any database)",
        )

    def handle(self, *args, method=None, **options):
        started = time.monotonic()
        cells = rebuild.rebuild(method=method)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {cells} cells in {time.monotonic() - started:.1f} s "
                f"({method or rebuild.default_method()})."
            )
        )
