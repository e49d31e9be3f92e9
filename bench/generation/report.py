"""One run as bench/generate_dossiers.py makes it: generate, VACUUM (ANALYZE) the written tables
on PostgreSQL, recount the indicators (`rebuild_stats`: the generator writes past the one door,
so no listener counted its rows), and print the rates counted back from the database."""

from __future__ import annotations

import time
from datetime import date, datetime

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dossiers.models import DossierSequence

from .province import Result, generate
from .rates import TARGET_RATES, rates
from .sinks import tables


def generate_and_report(
    *,
    count: int,
    seed: int,
    out,
    year: int | None = None,
    events: bool = True,
    batch_size: int = 20_000,
    progress: bool = False,
    rebuild_indexes: bool | None = None,
    stats: bool = True,
    today: date | None = None,
) -> Result:
    """Generate `count` dossiers (one transaction), then VACUUM, `rebuild_stats` (unless not
    `stats`) and the rates, written to `out` (a text stream)."""
    started = time.perf_counter()
    result = generate(
        count=count,
        seed=seed,
        year=year,
        events=events,
        batch_size=batch_size,
        progress=progress,
        rebuild_indexes=rebuild_indexes,
        today=today,
    )
    elapsed = time.perf_counter() - started
    period = result.period
    out.write(
        f"Generated {result.count:,} dossiers (ids {result.first_dossier_id}–"
        f"{result.last_dossier_id}), {result.events:,} events, {result.outbox:,} outbox "
        f"messages, {result.applicants:,} applicants, {result.pauses:,} pauses and "
        f"{result.steps:,} step runs of open dossiers; submitted {period.first_day} to "
        f"{period.end_day} (excluded); {elapsed:.1f} s {result.timings}\n"
    )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        started = time.perf_counter()
        written = [model._meta.db_table for model, _ in tables().values()]
        with connection.cursor() as cursor:
            for table in [*written, DossierSequence._meta.db_table]:
                cursor.execute(f'VACUUM (ANALYZE) "{table}"')
        out.write(f"VACUUM (ANALYZE): {time.perf_counter() - started:.1f} s\n")
    if stats:
        started = time.perf_counter()
        try:
            call_command("rebuild_stats", stdout=out, stderr=out)
        except Exception as exc:  # the dossiers are committed: report, then the rates
            out.write(f"rebuild_stats failed ({exc}); run it again once fixed.\n")
        else:
            out.write(f"rebuild_stats: {time.perf_counter() - started:.1f} s\n")
    end = datetime.fromtimestamp(period.end, tz=timezone.get_current_timezone())
    figures = rates(
        result.first_dossier_id,
        result.last_dossier_id,
        period_end=end,
        outbox_ids=(result.first_outbox_id, result.first_outbox_id + result.outbox - 1),
    )
    write_rates(figures, out)
    return result


def write_rates(figures: dict, out) -> None:
    out.write("Rates counted back from the database (target in brackets):\n")
    for name, label in (
        ("online", "online (channel 2)"),
        ("e_result", "e-result of approved results"),
        ("digitised", "digitised"),
        ("reused", "reused of digitised"),
        ("on_time", "finished on time"),
    ):
        value = figures[f"{name}_pct"]
        shown = "n/a" if value is None else f"{value:.2f} %"
        out.write(f"  {label:<30} {shown:>9}  ({TARGET_RATES[name]} %)\n")
    for key in ("paid_online_pct", "synced_within_1_min_pct"):
        value = figures[key]
        out.write(f"  {key:<30} {'n/a' if value is None else f'{value:.2f} %':>9}\n")
    overdue = figures["overdue_at_end"]
    out.write(
        f"  rescheduled {figures['rescheduled']:,}; overdue at the end of the period "
        f"{'n/a' if overdue is None else f'{overdue:,}'}; events {figures['events']:,}\n"
    )
    statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(figures["statuses"].items()))
    out.write(f"  statuses: {statuses}\n")
