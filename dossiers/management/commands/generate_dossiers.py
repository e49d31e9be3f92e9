"""manage.py generate_dossiers --count N --seed S [--year YYYY] [--no-events] [--batch B]

A realistic province-year of dossiers for benchmarks and demos (dossiers/generation/). Needs the
catalogue and the agencies (`manage.py seed_all --no-demo`). Everything is written in one
transaction: COPY on PostgreSQL (1M dossiers with their events in minutes), bulk_create on other
databases (small counts).
"""

from __future__ import annotations

import time
from datetime import datetime

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.generation.province import generate
from dossiers.generation.rates import TARGET_RATES, rates

MAX_COUNT = 50_000_000


class Command(BaseCommand):
    help = (
        "Generate a realistic province-year of dossiers (with their events and portal-sync "
        "outbox messages) over the published catalogue and every service centre."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="how many dossiers")
        parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="calendar year of the submissions (default: the 365 days before today)",
        )
        parser.add_argument(
            "--no-events",
            action="store_true",
            help="dossiers only: no events and no outbox messages",
        )
        parser.add_argument(
            "--batch", type=int, default=20_000, help="dossiers per COPY/bulk_create batch"
        )
        parser.add_argument(
            "--rebuild-indexes",
            choices=["auto", "yes", "no"],
            default="auto",
            help="drop and rebuild secondary indexes on PostgreSQL (auto: from 100,000 dossiers)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--no-stats", action="store_true", help="do not run rebuild_stats afterwards"
        )

    def handle(self, *args, **options):
        count, year, batch = options["count"], options["year"], options["batch"]
        if count is None or count < 1:
            raise CommandError(_("--count phải là số nguyên dương (nhận được %s).") % count)
        if count > MAX_COUNT:
            raise CommandError(_("--count tối đa là %s.") % f"{MAX_COUNT:,}")
        if batch < 1:
            raise CommandError(_("--batch phải là số nguyên dương."))
        this_year = timezone.localdate().year
        if year is not None and not 2000 <= year <= this_year:
            raise CommandError(_("--year phải nằm trong khoảng 2000–%s.") % this_year)
        rebuild = {"auto": None, "yes": True, "no": False}[options["rebuild_indexes"]]
        started = time.perf_counter()
        try:
            result = generate(
                count=count,
                seed=options["seed"],
                year=year,
                events=not options["no_events"],
                batch_size=batch,
                progress=not options["no_progress"],
                rebuild_indexes=rebuild,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        period = result.period
        self.stdout.write(
            f"Generated {result.count:,} dossiers (ids {result.first_dossier_id}–"
            f"{result.last_dossier_id}), {result.events:,} events, {result.outbox:,} outbox "
            f"messages, {result.applicants:,} applicants, {result.pauses:,} pauses and "
            f"{result.steps:,} step runs of open dossiers; submitted {period.first_day} to "
            f"{period.end_day} (excluded); {elapsed:.1f} s {result.timings}"
        )
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for table in (
                    "dossiers_dossier",
                    "dossiers_event",
                    "outbox_outboxmessage",
                    "dossiers_applicant",
                    "dossiers_pause",
                    "dossiers_steprun",
                    "dossiers_dossiersequence",
                ):
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
            self.stdout.write(f"VACUUM (ANALYZE): {time.perf_counter() - started:.1f} s")
        if options["no_stats"]:
            pass
        elif "rebuild_stats" in get_commands():
            started = time.perf_counter()
            try:
                call_command("rebuild_stats", stdout=self.stdout, stderr=self.stderr)
            except Exception as exc:  # the dossiers are committed: report, then the rates
                self.stderr.write(f"rebuild_stats failed ({exc}); run it again once fixed.")
            else:
                self.stdout.write(f"rebuild_stats: {time.perf_counter() - started:.1f} s")
        else:
            self.stdout.write("rebuild_stats is not available: statistics not rebuilt.")
        end = datetime.fromtimestamp(period.end, tz=timezone.get_current_timezone())
        last_outbox = result.first_outbox_id + result.outbox - 1
        figures = rates(
            result.first_dossier_id,
            result.last_dossier_id,
            period_end=end,
            outbox_ids=(result.first_outbox_id, last_outbox),
        )
        self.report(figures)

    def report(self, figures: dict) -> None:
        self.stdout.write("Rates counted back from the database (target in brackets):")
        for name, label in (
            ("online", "online (channel 2)"),
            ("e_result", "e-result of approved results"),
            ("digitised", "digitised"),
            ("reused", "reused of digitised"),
            ("on_time", "finished on time"),
        ):
            value = figures[f"{name}_pct"]
            shown = "n/a" if value is None else f"{value:.2f} %"
            self.stdout.write(f"  {label:<30} {shown:>9}  ({TARGET_RATES[name]} %)")
        for key in ("paid_online_pct", "synced_within_1_min_pct"):
            value = figures[key]
            self.stdout.write(f"  {key:<30} {'n/a' if value is None else f'{value:.2f} %':>9}")
        self.stdout.write(
            f"  rescheduled {figures['rescheduled']:,}; overdue at the end of the period "
            f"{figures['overdue_at_end']:,}; events {figures['events']:,}"
        )
        statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(figures["statuses"].items()))
        self.stdout.write(f"  statuses: {statuses}")
