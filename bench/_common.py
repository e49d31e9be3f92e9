"""Helpers shared by the benchmark scripts (not a test module: pytest only collects tests/).

Every database these scripts create is a throw-away one: its name must contain "bench", so that
a mistyped --database-url can never drop a real database.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def bootstrap_django(database_url: str, **extra_env: str) -> None:
    """Point the settings at `database_url` (before Django reads them) and set Django up."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Keep the benchmarks away from var/secret_key and from any broker or cache.
    os.environ.setdefault("SECRET_KEY", "onecua-benchmark-only-not-a-secret")
    # The embedded default on PostgreSQL: the mock portal installed (a DATABASE_URL alone would
    # turn the mocks off, as in production).
    os.environ.setdefault("ONECUA_MOCKS", "1")
    # The benchmarks sign leaders in with passwords only (no second factor).
    os.environ.setdefault("ONECUA_REQUIRE_2FA", "0")
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "DB_POOL", "DB_CONN_MAX_AGE"):
        os.environ.pop(name, None)
    os.environ.update(extra_env)
    import django

    django.setup()


def db_name(database_url: str) -> str:
    name = urlsplit(database_url).path.lstrip("/")
    if not NAME_RE.match(name) or "bench" not in name:
        raise SystemExit(
            f"Refusing to drop/create {name!r}: a benchmark database's name must contain 'bench'."
        )
    return name


def admin_url(database_url: str) -> str:
    """The same server, connected to the maintenance database `postgres`."""
    parts = urlsplit(database_url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))


def recreate_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    name = db_name(database_url)
    with psycopg.connect(admin_url(database_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    name = db_name(database_url)
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: S110 - Django may not be set up yet
        pass
    with psycopg.connect(admin_url(database_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def machine(database_url: str) -> dict:
    info: dict = {
        "nproc": os.cpu_count(),
        "cpu_model": "?",
        "ram_gib": None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "postgresql": "?",
        "load_average_at_start": os.getloadavg(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["ram_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    try:
        import psycopg

        with psycopg.connect(admin_url(database_url), connect_timeout=5) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    except Exception as exc:
        info["postgresql"] = f"unreachable: {exc}"
    return info


def print_machine(info: dict) -> None:
    print(
        f"Machine: {info['nproc']} CPU(s), {info['cpu_model']}, {info['ram_gib']} GiB RAM; "
        f"PostgreSQL {info['postgresql']}; Python {info['python']}; "
        f"load average {info['load_average_at_start'][0]:.2f}"
    )


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation), of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * pct // 100)))
    return ordered[int(rank) - 1]


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
    }


def table(headers: list[str], rows: list[list]) -> str:
    cells = [headers, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_results(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "benchmark": name,
        "finished_at": datetime.now(UTC).isoformat(),
        "load_average_at_end": os.getloadavg(),
        **payload,
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    return path


def seed() -> dict:
    """Migrate and load the province (no demo accounts); returns the timings."""
    import time

    from django.core.management import call_command

    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate = time.perf_counter() - start
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        call_command("seed_all", no_demo=True, stdout=sink, stderr=sink)
    return {"migrate_s": migrate, "seed_all_s": time.perf_counter() - start}
