"""manage.py partitions: the monthly partitions of the append-only tables on PostgreSQL
(core/partitions.py; docs/partitions.md)."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.partitions import TABLES, maintain


def _retention(value: str) -> tuple[str, int | None]:
    table, _, months = value.partition("=")
    if table not in TABLES or not months:
        raise CommandError(f"--detach-older-than {value}: expected TABLE=MONTHS of {list(TABLES)}")
    if months.lower() == "none":
        return table, None
    if not months.isdigit():
        raise CommandError(f"--detach-older-than {value}: MONTHS is a number or 'none'")
    floor = settings.PARTITION_RETENTION_FLOOR_MONTHS.get(table, 0)
    if int(months) < floor:
        raise CommandError(
            f"--detach-older-than {value}: {table} is kept at least {floor} months "
            "(docs/partitions.md)"
        )
    return table, int(months)


class Command(BaseCommand):
    help = (
        "Create the monthly partitions of the append-only tables for this month and the months "
        "ahead (PARTITION_MONTHS_AHEAD), and detach into the 'archive' schema the partitions of "
        "months older than each table's retention (PARTITION_RETENTION_MONTHS). A partition of "
        "the outbox holding pending or dead messages is never detached. PostgreSQL only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, help="Months to create after this one.")
        parser.add_argument(
            "--detach-older-than",
            action="append",
            default=[],
            metavar="TABLE=MONTHS",
            help="This run's retention of TABLE in months ('none': never), instead of the "
            "setting's; repeatable.",
        )
        parser.add_argument("--no-detach", action="store_true", help="Only create partitions.")
        parser.add_argument("--table", action="append", choices=list(TABLES), help="Only TABLE.")
        parser.add_argument(
            "--since",
            metavar="YYYY-MM",
            help="Also create the partitions of the past months from YYYY-MM (rows of those "
            "months in the DEFAULT partition move into them).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done.")

    def handle(self, *args, ahead, detach_older_than, no_detach, table, since, dry_run, **options):
        if ahead is not None and ahead < 0:
            raise CommandError("--ahead must be 0 or more.")
        if since:
            try:
                since = dt.date.fromisoformat(f"{since}-01")
            except ValueError as error:
                raise CommandError(f"--since {since}: expected YYYY-MM") from error
        retention = dict(_retention(value) for value in detach_older_than)
        lines = maintain(
            ahead=ahead,
            detach=not no_detach,
            dry_run=dry_run,
            tables=table,
            retention=retention,
            since=since,
        )
        for line in lines or ["nothing to do"]:
            self.stdout.write(line)
