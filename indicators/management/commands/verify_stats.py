"""Recount from the raw rows and report every cell that differs (exit status 1 if any)."""

import sys
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from indicators import rebuild, scope


class Command(BaseCommand):
    help = "Đối chiếu bảng số liệu tổng hợp với số đếm lại từ dữ liệu gốc."

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="agency code (with its sub-agencies)")
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD")
        parser.add_argument("--method", choices=["sql", "python"], default=None)
        parser.add_argument("--limit", type=int, default=50, help="differences to print")

    def handle(self, *args, agency=None, start=None, end=None, method=None, limit=50, **opts):
        agency_ids = None
        if agency:
            tree = scope.tree(fresh=True)
            if agency not in tree.by_code:
                raise CommandError(f"Unknown agency {agency!r}")
            agency_ids = tree.subtree(tree.by_code[agency])
        try:
            start_day = date.fromisoformat(start) if start else None
            end_day = date.fromisoformat(end) if end else None
        except ValueError as exc:
            raise CommandError(f"Bad date: {exc}") from exc
        started = time.monotonic()
        report = rebuild.verify(
            agency_ids=agency_ids, start=start_day, end=end_day, method=method, limit=limit
        )
        elapsed = time.monotonic() - started
        for difference in report.differences:
            self.stdout.write(difference.describe())
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {report.cells_checked} cells agree with the raw recount "
                    f"({elapsed:.1f} s)."
                )
            )
            return
        self.stderr.write(
            self.style.ERROR(
                f"{len(report.differences)} cell(s) differ (of {report.cells_checked}; "
                f"at most {limit} shown). Run `manage.py rebuild_stats` to repair."
            )
        )
        sys.exit(1)
