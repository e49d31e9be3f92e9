"""Benchmark: what encrypting personal data at rest costs (issue 12 §5; docs/personal-data.md):
counter intake with and without the encryption, and exact search by personal ID at 1M
applicants.

Run it with `.venv/bin/python bench/bench_encryption.py` (`--help` for the options; e.g.
`--applicants 200000` for a quicker run).

On a throw-away PostgreSQL database seeded with the real catalogue (`seed_all --no-demo`):

1. **The primitives**: one Fernet encryption, one decryption and one keyed hash (HMAC-SHA256)
   of a 12-digit personal ID, in µs (best of 5 runs of 2,000).
2. **Counter intake** through the API in process (Django's test client with a real API token):
   `POST /api/v1/counter/intake/` of a complete dossier for a citizen with personal ID, phone
   and address, then `GET /api/v1/dossiers/{code}/` of it (the detail decrypts them again).
   Encryption on and off alternate request by request (A B A B …, `--intakes` pairs), so the
   machine's changing load falls on both alike; "off" replaces the Fernet encryption and
   decryption by the identity (the values go to the columns in clear), the keyed hashes are
   still computed (they replace the index the clear column had, at the same cost in the
   database). The cost is the median of the differences within the pairs.
3. **Exact search at `--applicants`** (default 1,000,000): that many applicants are written by
   COPY, each with its personal ID, phone and address encrypted and hashed as the application
   writes them (in `--workers` processes); beside them, for comparison in the same run, a
   table of the same IDs in clear with a B-tree index (what the schema had before). Timed, for
   `--searches` random IDs that exist and as many that do not: the ORM look-up through the
   hash (`Applicant.objects.filter(match("personal_id", …)).first()`, which also decrypts the
   row found), the same in raw SQL (the keyed hash computed, nothing decrypted), the clear
   table (raw SQL), and `GET /api/v1/dossiers/?applicant=…` of the intake dossiers' IDs beside
   the same list without the filter (alternating). The plan of the hash look-up (EXPLAIN) is
   printed.

Prints tables and writes bench/results/bench_encryption.json; docs/performance.md §10 records
the figures. Drops the database afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (
    bootstrap_django,
    drop_database,
    machine,
    percentile,
    print_machine,
    recreate_database,
    seed,
    table,
    write_results,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_encryption"
PROCEDURE = "1.000426"  # Cấp thẻ tư vấn viên pháp luật: received at the provincial centre
CHUNK = 20_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--intakes", type=int, default=300, help="intake pairs (on/off)")
    parser.add_argument(
        "--applicants", type=int, default=1_000_000, help="0: the primitives and intake only"
    )
    parser.add_argument("--searches", type=int, default=500, help="look-ups per kind")
    parser.add_argument("--workers", type=int, default=2, help="processes encrypting rows")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    info = machine(args.database_url)
    recreate_database(args.database_url)
    var_dir = tempfile.mkdtemp(prefix="onecua-bench-encryption-")
    bootstrap_django(args.database_url, ONECUA_SIGNING_DIR=var_dir, ONECUA_VAR_DIR=var_dir)
    try:
        results = run(args)
    finally:
        if not args.keep:
            drop_database(args.database_url)
    print_machine(info)
    name = "bench_encryption" if args.applicants else "bench_encryption_intake"
    path = write_results(name, {"machine": info, "args": vars(args), **results})
    print(f"\nResults: {path}")


# --- 1. the primitives ----------------------------------------------------------------------------
def primitives() -> dict:
    from core.crypto import blind_index, decrypt, encrypt

    value = "025090001234"
    token = encrypt(value)

    def best(fn, n=2000) -> float:
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(n):
                fn()
            runs.append((time.perf_counter() - start) / n * 1e6)
        return min(runs)

    result = {
        "encrypt_us": best(lambda: encrypt(value)),
        "decrypt_us": best(lambda: decrypt(token)),
        "blind_index_us": best(lambda: blind_index(value)),
        "token_length": len(token),
    }
    print(
        table(
            ["primitive", "µs per value"],
            [
                ["Fernet encrypt (12 digits)", f"{result['encrypt_us']:.1f}"],
                ["Fernet decrypt", f"{result['decrypt_us']:.1f}"],
                ["keyed hash (HMAC-SHA256)", f"{result['blind_index_us']:.1f}"],
            ],
        )
    )
    print(f"(a token of 12 digits: {result['token_length']} characters)\n")
    return result


# --- 2. counter intake ----------------------------------------------------------------------
def intake(args, clerk) -> tuple[dict, list[str], list[str]]:
    from django.test import Client

    import core.fields
    from accounts.services import issue_token
    from procedures.models import Procedure, ProcedureStatus

    procedure = Procedure.objects.get(code=PROCEDURE, status=ProcedureStatus.PUBLISHED)
    components = [
        {"order": c.order, "originals": 1, "copies": 0, "content": "Đã kiểm tra tại quầy"}
        for c in procedure.components.all()
    ]
    _row, secret = issue_token(clerk, device="bench")
    client = Client(HTTP_AUTHORIZATION=f"Token {secret}")
    real = (core.fields.encrypt, core.fields.decrypt)
    # With the encryption on, the time spent in it is also summed per request pair (intake +
    # detail), timed around each call: a measure the machine's load blurs much less.
    spent = {"ms": 0.0, "calls": 0}

    def timed(fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent["ms"] += (time.perf_counter() - start) * 1000
                spent["calls"] += 1

        return wrapper

    def mode(on: bool) -> None:
        if on:
            core.fields.encrypt, core.fields.decrypt = (timed(fn) for fn in real)
        else:
            core.fields.encrypt = lambda value: value
            core.fields.decrypt = lambda value, what="": value

    counter = iter(range(10**9))
    ids, codes = [], []

    def one() -> float:
        n = next(counter)
        personal_id = f"0260{n:08d}"
        body = {
            "procedure": PROCEDURE,
            "applicant": {
                "kind": 1,
                "full_name": f"Người nộp {n}",
                "personal_id": personal_id,
                "phone": f"09{n:08d}",
                "address": f"Số {n % 300 + 1} đường Hùng Vương, phường Việt Trì",
            },
            "summary": "Đề nghị cấp thẻ tư vấn viên pháp luật",
            "components": components,
            "channel": 1,
            "return_method": "counter",
        }
        start = time.perf_counter()
        response = client.post("/api/v1/counter/intake/", body, content_type="application/json")
        assert response.status_code == 201, response.content[:500]
        code = response.json()["dossier"]["code"]
        detail = client.get(f"/api/v1/dossiers/{code}/")
        elapsed = (time.perf_counter() - start) * 1000
        assert detail.status_code == 200
        return elapsed, personal_id, code

    timings = {True: [], False: []}
    pairs, inside, calls = [], [], []
    try:
        for on in (False, True, False, True):  # warm-up
            mode(on)
            for _ in range(5):
                one()
        for _ in range(args.intakes):
            for on in (False, True):
                mode(on)
                spent.update(ms=0.0, calls=0)
                elapsed, personal_id, code = one()
                if on:
                    inside.append(spent["ms"])
                    calls.append(spent["calls"])
                timings[on].append(elapsed)
                if on:  # only the encrypted ones are searched afterwards
                    ids.append(personal_id)
                    codes.append(code)
            pairs.append(timings[True][-1] - timings[False][-1])
    finally:
        mode(True)
    _encrypt_what_was_written_in_clear()
    result = {
        "off": _stats(timings[False]),
        "on": _stats(timings[True]),
        "added_median_of_pairs_ms": statistics.median(pairs),
        "inside_crypto_ms": {
            "p50": percentile(inside, 50),
            "p95": percentile(inside, 95),
            "calls_per_intake_and_detail": statistics.median(calls),
        },
    }
    print(
        table(
            ["counter intake + detail (API)", "n", "p50 ms", "p95 ms", "added (pairs)"],
            [
                ["encryption off", len(timings[False]), *_ms(timings[False]), ""],
                [
                    "encryption on",
                    len(timings[True]),
                    *_ms(timings[True]),
                    f"{result['added_median_of_pairs_ms']:+.2f} ms",
                ],
            ],
        )
    )
    print(
        f"time inside encrypt/decrypt per intake + detail: p50 {percentile(inside, 50):.3f} ms, "
        f"p95 {percentile(inside, 95):.3f} ms ({statistics.median(calls):.0f} calls)\n"
    )
    return result, ids, codes


def _encrypt_what_was_written_in_clear() -> None:
    """The applicants of the "off" intakes hold clear values, which a read refuses (as it
    should); encrypted now, so that the lists read later can show them."""
    from django.db import connection

    from dossiers.models import Applicant

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, personal_id, phone, address FROM {Applicant._meta.db_table} "  # noqa: S608
            "WHERE personal_id NOT LIKE 'gAAAAA%%'"
        )
        rows = cursor.fetchall()
    for pk, personal_id, phone, address in rows:
        Applicant.objects.filter(pk=pk).update(
            personal_id=personal_id, phone=phone, address=address
        )


# --- 3. search at 1M ------------------------------------------------------------------------
def _personal_id(n: int) -> str:
    return f"0{n:011d}"


def _chunk(bounds: tuple[int, int, list[str], str]) -> tuple[str, str]:
    """COPY text of applicants [start, stop): (the encrypted table's, the clear table's)."""
    start, stop, keys, hmac_key = bounds
    import hashlib
    import hmac

    from cryptography.fernet import Fernet, MultiFernet

    fernet = MultiFernet([Fernet(key) for key in keys])
    secret = hmac_key.encode()

    def enc(value: str) -> str:
        return fernet.encrypt(value.encode()).decode()

    def mac(value: str) -> str:
        return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()

    encrypted, clear = io.StringIO(), io.StringIO()
    for n in range(start, stop):
        personal_id, phone = _personal_id(n), f"09{n % 100_000_000:08d}"
        address = f"Số {n % 300 + 1} đường Hùng Vương"
        encrypted.write(
            f"1\tNgười nộp {n}\t{enc(personal_id)}\t\t{enc(phone)}\t\t{enc(address)}\t\t\t\t"
            f"{mac(personal_id)}\t\t{mac(phone)}\n"
        )
        clear.write(f"{n}\t{personal_id}\n")
    return encrypted.getvalue(), clear.getvalue()


def generate(args) -> dict:
    from django.conf import settings
    from django.db import connection

    from core.crypto import parse_keys
    from dossiers.models import Applicant

    table_name = Applicant._meta.db_table
    columns = (
        "kind, full_name, personal_id, tax_code, phone, email, address, submitter_name, "
        "submitter_personal_id, authorisation_document, personal_id_hash, tax_code_hash, "
        "phone_hash"
    )
    keys = parse_keys(settings.ONECUA_FIELD_KEYS)
    chunks = [
        (start, min(start + CHUNK, args.applicants), keys, settings.ONECUA_HMAC_KEY)
        for start in range(0, args.applicants, CHUNK)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_clear_applicant (id bigint PRIMARY KEY, personal_id varchar(12))"
        )
    start = time.perf_counter()
    encrypting = 0.0
    # Spawned, not forked: a forked child would share (and on exit close) this connection.
    spawn = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(max_workers=args.workers, mp_context=spawn) as pool,
        connection.cursor() as cursor,
    ):
        raw = cursor.cursor
        for done, (encrypted, clear) in enumerate(pool.map(_chunk, chunks), 1):
            with raw.copy(f"COPY {table_name} ({columns}) FROM STDIN") as copy:
                copy.write(encrypted)
            with raw.copy("COPY bench_clear_applicant (id, personal_id) FROM STDIN") as copy:
                copy.write(clear)
            if done % 10 == 0:
                print(f"  {done * CHUNK:,} applicants written", flush=True)
    encrypting = time.perf_counter() - start
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX bench_clear_pid ON bench_clear_applicant (personal_id)")
        cursor.execute(f"ANALYZE {table_name}")
        cursor.execute("ANALYZE bench_clear_applicant")
        cursor.execute(f"SELECT pg_total_relation_size('{table_name}')")
        size = cursor.fetchone()[0]
        cursor.execute("SELECT pg_total_relation_size('bench_clear_applicant')")
        clear_size = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {table_name}")  # noqa: S608 - the model's table
        count = cursor.fetchone()[0]
    return {
        "applicants": count,
        "write_s": encrypting,
        "index_analyze_s": time.perf_counter() - start,
        "applicant_table_mib": size / 2**20,
        "clear_comparison_table_mib": clear_size / 2**20,
    }


def search(args, clerk, intake_ids) -> dict:
    from django.db import connection
    from django.test import Client

    from accounts.services import issue_token
    from core.crypto import blind_index
    from core.fields import match
    from dossiers.models import Applicant

    rng = random.Random(12)
    present = [_personal_id(rng.randrange(args.applicants)) for _ in range(args.searches)]
    absent = [f"9{rng.randrange(10**11):011d}" for _ in range(args.searches)]

    def hashed(value):
        return Applicant.objects.filter(match("personal_id", value)).first()

    def hashed_sql(value):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, personal_id FROM {Applicant._meta.db_table} "  # noqa: S608
                "WHERE personal_id_hash = %s",
                [blind_index(value)],
            )
            return cursor.fetchone()

    def clear(value):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, personal_id FROM bench_clear_applicant WHERE personal_id = %s",
                [value],
            )
            return cursor.fetchone()

    # The plan of the look-up through the hash.
    query = Applicant.objects.filter(match("personal_id", present[0]))
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    print("EXPLAIN of the hash look-up:\n  " + "\n  ".join(plan) + "\n")

    timings: dict[str, list[float]] = {}
    for name, fn, values, expect in (
        ("ORM by hash (found, decrypted)", hashed, present, True),
        ("ORM by hash (not found)", hashed, absent, False),
        ("SQL by hash (found; HMAC, no decryption)", hashed_sql, present, True),
        ("SQL by hash (not found)", hashed_sql, absent, False),
        ("clear column, B-tree (found)", clear, present, True),
        ("clear column, B-tree (not found)", clear, absent, False),
    ):
        for value in values[:20]:  # warm-up
            fn(value)
        timings[name] = []
        for value in values:
            start = time.perf_counter()
            found = fn(value)
            timings[name].append((time.perf_counter() - start) * 1000)
            assert (found is not None) == expect, (name, value)

    _row, secret = issue_token(clerk, device="bench-search")
    client = Client(HTTP_AUTHORIZATION=f"Token {secret}")
    # The filter against the same list without it, alternating (the load falls on both).
    filtered, unfiltered = "API ?applicant=<personal ID> (1 dossier)", "API list, no filter (20)"
    timings[filtered], timings[unfiltered] = [], []
    for i in range(min(args.searches, 4 * len(intake_ids))):
        value = intake_ids[i % len(intake_ids)]
        start = time.perf_counter()
        response = client.get("/api/v1/dossiers/", {"applicant": value})
        timings[filtered].append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200 and len(response.json()["results"]) == 1, value
        start = time.perf_counter()
        response = client.get("/api/v1/dossiers/")
        timings[unfiltered].append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200

    print(
        table(
            [f"exact search at {args.applicants:,} applicants", "n", "p50 ms", "p95 ms"],
            [[name, len(values), *_ms(values)] for name, values in timings.items()],
        )
    )
    return {"plan": plan, **{name: _stats(values) for name, values in timings.items()}}


def run(args) -> dict:
    from django.conf import settings

    settings.OUTBOX_AUTODELIVER = False
    settings.ALLOWED_HOSTS = ["testserver"]
    results: dict = {"seed": seed()}
    clerk = _clerk()
    results["primitives"] = primitives()
    results["intake"], ids, _codes = intake(args, clerk)
    if not args.applicants:
        return results
    print(f"Writing {args.applicants:,} encrypted applicants by COPY …", flush=True)
    results["generation"] = generate(args)
    print(
        f"  {results['generation']['applicants']:,} applicants in "
        f"{results['generation']['write_s']:.0f} s (encrypting in {args.workers} processes + "
        f"COPY), table {results['generation']['applicant_table_mib']:.0f} MiB\n"
    )
    results["search"] = search(args, clerk, ids)
    return results


def _stats(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "p99_ms": percentile(values, 99),
        "mean_ms": sum(values) / len(values),
    }


def _ms(values: list[float]) -> list[str]:
    return [f"{percentile(values, 50):.2f}", f"{percentile(values, 95):.2f}"]


def _clerk():
    from django.contrib.auth import get_user_model

    from organisations.models import Agency, AgencyKind

    centre = Agency.objects.get(
        kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, parent__kind=AgencyKind.PROVINCIAL_COMMITTEE
    )
    return get_user_model().objects.create(
        username="bench-clerk", role="receiving_officer", agency=centre, full_name="Bench Clerk"
    )


if __name__ == "__main__":
    main()
