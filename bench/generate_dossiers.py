"""Generate N realistic dossiers directly in PostgreSQL, fast (for the work-queue benchmark).

    .venv/bin/python bench/generate_dossiers.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/onecua_bench_queue --count 1000000

The database's name must contain "bench" (this writes a million rows). By default it is
migrated and seeded first (`migrate`, `seed_all --no-demo`: units, agencies, the real
catalogue; both idempotent); `--recreate` drops and recreates it before that.

How: Python computes, once per published procedure, what the services would (the frozen terms
`snapshot_terms`, the handling agency at the provincial centre `routing.default_handling_agency`)
and COPYs that small table into PostgreSQL; everything else is one INSERT … SELECT over
generate_series per table, in one transaction: a pool of applicants (`--applicants`, default
count/5, reused by several dossiers), then the dossiers. The dossier table's secondary indexes
are dropped before the insert and rebuilt after it (as their exact `pg_get_indexdef`); the
foreign keys are not checked row by row (session_replication_role = replica, inside the
transaction only) — every reference is built from existing rows. Then ANALYZE.

Distribution (seeded by --seed, so two runs give the same data):

* submission times over the last 2 years (`--years`); open dossiers are recent (last 75 days);
* ~90 % online, ~8 % at the counter, ~2 % by post;
* procedures: ~70 % of dossiers are commune-level ones, received by one of the commune centres
  (a few centres are much busier than the rest: weights ~ 1/rank^0.8) and handled by that
  commune's People's Committee; the rest are province-level, received by the provincial centre
  and handled by the department `routing` picks; within a level a few procedures dominate;
* statuses: ~93 % closed (returned, withdrawn, not received, stopped), ~7 % open (new,
  received, processing, supplement requested, awaiting payment, result ready); due dates from
  the procedure's processing time (working days ≈ 7/5 calendar days); ~5 % finished late; some
  running dossiers are overdue, as in real life;
* codes `<receiving agency>-<YYMMDD local day of submission>-<NNNN>`, numbered per agency and
  day in submission order, after any number already given (DossierSequence), which is then
  raised to the last number used, so the services keep numbering without a clash.

* dossiers in `supplement_requested` were asked during processing
  (`supplement_asked_in_processing`) and have a `supplement_deadline` ≈ 4–21 days after
  receipt (some already passed).

No events, step runs, components or pauses are generated (the work queue does not read them).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import bootstrap_django, db_name, recreate_database

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_queue"
DOSSIER_TABLE = "dossiers_dossier"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate N dossiers directly in PostgreSQL.")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_QUEUE_DATABASE_URL", DEFAULT_URL),
        help=f"target database; its name must contain 'bench' (default: {DEFAULT_URL})",
    )
    parser.add_argument("--count", type=int, default=1_000_000, help="dossiers (default 1M)")
    parser.add_argument(
        "--applicants", type=int, default=None, help="applicant pool (default count/5)"
    )
    parser.add_argument("--years", type=float, default=2.0, help="history span (default 2)")
    parser.add_argument("--open-share", type=float, default=0.07, help="open share (default 7%%)")
    parser.add_argument("--seed", type=float, default=0.20261123, help="setseed() value")
    parser.add_argument(
        "--recreate", action="store_true", help="drop and recreate the database first"
    )
    parser.add_argument(
        "--no-prepare", action="store_true", help="skip migrate + seed_all --no-demo"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.count <= 20_000_000:
        parser.error("--count must be between 1 and 20,000,000")
    if args.applicants is None:
        args.applicants = max(1, args.count // 5)
    if not 1 <= args.applicants <= args.count:
        parser.error("--applicants must be between 1 and --count")
    if not 0 < args.years <= 10 or not 0 <= args.open_share <= 0.5:
        parser.error("--years must be in (0, 10] and --open-share in [0, 0.5]")
    if not -1 <= args.seed <= 1:
        parser.error("--seed must be in [-1, 1] (PostgreSQL setseed)")
    db_name(args.database_url)  # refuses a name without "bench"
    return args


def prepare() -> dict:
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    with open(os.devnull, "w") as sink:
        call_command("seed_all", no_demo=True, stdout=sink, stderr=sink)
    return {"prepare_s": time.perf_counter() - start}


def procedure_rows() -> list[tuple]:
    """Per published procedure: id, level, calendar days to the due date, terms, name, and the
    handling agency at the provincial centre (province level)."""
    from dossiers import routing
    from dossiers.services.intake import snapshot_terms
    from procedures.models import Agency, AgencyKind, Level, Procedure, ProcedureStatus

    centre = (
        Agency.objects.filter(kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, is_active=True)
        .order_by("parent_id", "code")
        .first()
    )
    rows = []
    procedures = (
        Procedure.objects.filter(status=ProcedureStatus.PUBLISHED)
        .select_related("field")
        .prefetch_related("steps", "fee_lines")
        .order_by("code")
    )
    for procedure in procedures:
        terms = snapshot_terms(procedure)
        value = float(procedure.processing_time_value or 0) or 5.0
        unit = procedure.processing_time_unit
        if unit == "working_hours":
            days = max(value / 8, 0.5) * 1.4
        elif unit == "days":
            days = value
        else:  # working days
            days = value * 1.4
        handler = (
            None
            if procedure.level == Level.COMMUNE
            else routing.default_handling_agency(procedure, centre).id
        )
        rows.append(
            (
                procedure.id,
                procedure.level,
                min(days, 120.0),
                json.dumps(terms, ensure_ascii=False),
                procedure.name[:300],
                handler,
            )
        )
    return rows, centre.id


GENERATE_SQL = """
-- One row per dossier, everything random decided here; codes are numbered afterwards.
CREATE TEMP TABLE gen_dossier ON COMMIT DROP AS
WITH base AS (
    SELECT g,
           random() AS u_status, random() AS u_level, random() AS u_proc, random() AS u_centre,
           random() AS u_channel, random() AS u_time, random() AS u_recv, random() AS u_done,
           random() AS u_flags, random() AS u_app
    FROM generate_series(1, %(count)s) AS g
), decided AS (
    SELECT b.*,
           CASE
               WHEN b.u_status < %(open)s * 0.12 THEN 'new'
               WHEN b.u_status < %(open)s * 0.30 THEN 'received'
               WHEN b.u_status < %(open)s * 0.75 THEN 'processing'
               WHEN b.u_status < %(open)s * 0.84 THEN 'supplement_requested'
               WHEN b.u_status < %(open)s * 0.88 THEN 'awaiting_payment'
               WHEN b.u_status < %(open)s THEN 'result_ready'
               WHEN b.u_status < %(open)s + (1 - %(open)s) * 0.020 THEN 'not_received'
               WHEN b.u_status < %(open)s + (1 - %(open)s) * 0.030 THEN 'withdrawn'
               WHEN b.u_status < %(open)s + (1 - %(open)s) * 0.035 THEN 'stopped'
               ELSE 'returned'
           END AS status,
           (b.u_level < 0.70) AS commune
    FROM base b
)
-- Plain (hash) joins only: the procedure by its popularity rank within the level
-- (rank = 1 + floor(u^3 * n): a few procedures dominate), the commune centre by a slot of
-- gen_slot (10,000 slots shared out by weight).
SELECT d.g, d.status, pr.procedure_id,
       CASE WHEN d.u_channel < 0.90 THEN 2 WHEN d.u_channel < 0.98 THEN 1 ELSE 3 END AS channel,
       -- Closed dossiers anywhere in the span; open ones recent: new within 2 days, the others
       -- within about their processing time (so that ~10-20 %% of the running ones are overdue).
       CASE WHEN d.status = 'new' THEN now() - interval '2 days' * d.u_time
            WHEN d.status IN ('received', 'processing', 'result_ready')
            THEN now() - interval '1 day' * (pr.due_days * 1.15 + 1) * d.u_time
            WHEN d.status IN ('supplement_requested', 'awaiting_payment')
            THEN now() - interval '1 day' * (pr.due_days * 1.5 + 15) * d.u_time
            ELSE now() - interval '1 day' * %(days)s * d.u_time
       END - interval '5 minutes' AS submitted_at,
       d.u_recv, d.u_done, d.u_flags,
       1 + floor(d.u_app * %(applicants)s)::int AS applicant_n,
       CASE WHEN d.commune THEN cc.centre_id ELSE %(centre)s END AS receiving_agency_id,
       CASE WHEN d.commune THEN cc.committee_id ELSE pr.handler_id END AS handling_agency_id,
       pr.due_days, pr.name
FROM decided d
CROSS JOIN gen_n n
JOIN gen_proc pr
  ON pr.commune = d.commune
 AND pr.rank = 1 + floor(power(d.u_proc, 3)
                         * CASE WHEN d.commune THEN n.commune_n ELSE n.province_n END)::int
JOIN gen_slot sl ON sl.slot = floor(d.u_centre * 10000)::int
JOIN gen_centre cc ON cc.centre_id = sl.centre_id;
"""

INSERT_SQL = """
WITH timed AS (
    SELECT d.*,
           CASE WHEN d.status IN ('new', 'not_received') THEN NULL
                WHEN d.channel = 1 THEN d.submitted_at
                ELSE d.submitted_at + interval '1 hour' * (1 + 30 * d.u_recv)
           END AS received_at
    FROM gen_dossier d
), dated AS (
    SELECT t.*,
           t.received_at + interval '1 day' * t.due_days AS due_at,
           CASE WHEN t.status IN ('result_ready', 'returned')
                -- ~5 %% late: up to 20 %% past the due date; the rest 30-100 %% of the time.
                THEN t.received_at + interval '1 day' * t.due_days
                     * CASE WHEN t.u_done < 0.05 THEN 1.0 + 4 * t.u_done
                            ELSE 0.3 + 0.7 * t.u_done END
                WHEN t.status IN ('withdrawn', 'stopped')
                THEN t.received_at + interval '1 day' * t.due_days * 0.5 * t.u_done
           END AS finished_at
    FROM timed t
), bounded AS (
    SELECT d.*,
           CASE WHEN d.finished_at IS NOT NULL
                THEN least(d.finished_at, now() - interval '1 minute') END AS finished_at_b
    FROM dated d
), numbered AS (
    SELECT b.*,
           (b.submitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS local_day,
           row_number() OVER (
               PARTITION BY b.receiving_agency_id,
                            (b.submitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
               ORDER BY b.submitted_at, b.g
           ) AS n
    FROM bounded b
)
INSERT INTO dossiers_dossier (
    code, procedure_id, terms, applicant_id, channel, receiving_agency_id, handling_agency_id,
    summary, status, assignee_id, submitted_at, received_at, due_at, original_due_at,
    finished_at, returned_at, return_method, outcome, outcome_reason, reschedule_count,
    supplement_asked_at_receipt, supplement_asked_in_processing, supplement_deadline,
    is_digitised, is_reused, has_e_result, paid_online, vneid_verified, created_by_id,
    updated_at
)
SELECT a.code || '-' || to_char(n.local_day, 'YYMMDD') || '-'
           || CASE WHEN coalesce(s.last, 0) + n.n < 10000
                   THEN lpad((coalesce(s.last, 0) + n.n)::text, 4, '0')
                   ELSE (coalesce(s.last, 0) + n.n)::text END,
       n.procedure_id, pr.terms, %(applicant_base)s + n.applicant_n, n.channel,
       n.receiving_agency_id, n.handling_agency_id,
       left('Hồ sơ ' || n.name, 1000), n.status, NULL, n.submitted_at, n.received_at,
       n.due_at, n.due_at,
       CASE WHEN n.status IN ('result_ready', 'returned', 'withdrawn', 'stopped')
            THEN greatest(n.finished_at_b, n.received_at) END,
       CASE WHEN n.status = 'returned'
            THEN least(greatest(n.finished_at_b, n.received_at)
                       + interval '1 hour' * 72 * n.u_flags, now() - interval '1 minute') END,
       CASE WHEN n.channel = 2 AND n.u_flags < 0.6 THEN 'online'
            WHEN n.channel = 3 OR n.u_flags > 0.95 THEN 'post' ELSE 'counter' END,
       CASE WHEN n.status IN ('result_ready', 'returned')
            THEN CASE WHEN n.u_done > 0.97 THEN 'refused' ELSE 'approved' END
            ELSE '' END,
       CASE WHEN n.status IN ('not_received', 'stopped') THEN 'Hồ sơ không hợp lệ' ELSE '' END,
       0,
       -- A supplement requested during processing (the only kind that leaves the dossier
       -- in supplement_requested): 15 working days to answer, about 21 calendar days.
       false, n.status = 'supplement_requested',
       CASE WHEN n.status = 'supplement_requested'
            THEN n.received_at + interval '21 days' * (0.2 + 0.8 * n.u_done) END,
       n.channel = 1 OR n.u_flags < 0.8, n.u_flags < 0.3,
       n.status IN ('result_ready', 'returned') AND n.u_flags < 0.5,
       n.u_flags < 0.2, n.channel = 2 AND n.u_flags < 0.7, NULL,
       coalesce(n.finished_at_b, n.received_at, n.submitted_at)
FROM numbered n
JOIN procedures_agency a ON a.id = n.receiving_agency_id
JOIN gen_proc pr ON pr.procedure_id = n.procedure_id
LEFT JOIN dossiers_dossiersequence s
       ON s.agency_id = n.receiving_agency_id AND s.day = n.local_day;
"""

SEQUENCE_SQL = """
INSERT INTO dossiers_dossiersequence (agency_id, day, last)
SELECT receiving_agency_id, local_day, count(*)
FROM (SELECT receiving_agency_id,
             (submitted_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS local_day
      FROM gen_dossier) x
GROUP BY 1, 2
ON CONFLICT (agency_id, day) DO UPDATE
SET last = dossiers_dossiersequence.last + excluded.last;
"""

APPLICANT_SQL = """
INSERT INTO dossiers_applicant (
    kind, full_name, personal_id, tax_code, phone, email, address, unit_id, submitter_name,
    submitter_personal_id, authorisation_document, account_id
)
SELECT CASE WHEN g %% 10 = 0 THEN 2 ELSE 1 END,
       CASE WHEN g %% 10 = 0 THEN 'Công ty TNHH ' || g
            ELSE (ARRAY['Nguyễn','Trần','Lê','Phạm','Hoàng','Vũ','Đặng','Bùi'])[1 + g %% 8]
                 || ' ' || (ARRAY['Văn','Thị','Minh','Đức','Thu','Hồng'])[1 + g %% 6]
                 || ' ' || (ARRAY['An','Bình','Châu','Dũng','Hà','Lan','Nam'])[1 + g %% 7]
       END,
       CASE WHEN g %% 10 = 0 THEN '' ELSE lpad((25000000000 + g)::text, 12, '0') END,
       CASE WHEN g %% 10 = 0 THEN lpad((2500000000 + g)::text, 10, '0') ELSE '' END,
       '09' || lpad((g %% 100000000)::text, 8, '0'), '',
       'Số ' || (1 + g %% 300) || ' đường Hùng Vương',
       units.ids[1 + g %% cardinality(units.ids)],
       '', '', '', NULL
FROM generate_series(1, %(applicants)s) AS g
CROSS JOIN (SELECT array_agg(u.id ORDER BY u.code) AS ids
            FROM procedures_administrativeunit u WHERE u.parent_id IS NOT NULL) AS units;
"""


def generate(database_url: str, args, procs: list[tuple], centre_id: int) -> dict:
    import psycopg

    timings: dict = {}
    with psycopg.connect(database_url, autocommit=False) as conn:
        cur = conn.cursor()
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute("SELECT setseed(%s)", [args.seed])

        start = time.perf_counter()
        cur.execute(
            "CREATE TEMP TABLE gen_proc (procedure_id int PRIMARY KEY, level text, "
            "due_days float8, terms jsonb, name text, handler_id int, commune bool, rank int) "
            "ON COMMIT DROP"
        )
        with cur.copy(
            "COPY gen_proc (procedure_id, level, due_days, terms, name, handler_id) FROM STDIN"
        ) as copy:
            for row in procs:
                copy.write_row(row)
        # Popularity: a stable pseudo-random order per level; rank 1 is the most frequent.
        cur.execute(
            "UPDATE gen_proc p SET commune = (p.level = 'commune'), rank = r.rank FROM ("
            " SELECT procedure_id, row_number() OVER (PARTITION BY level = 'commune'"
            " ORDER BY md5(procedure_id::text)) AS rank FROM gen_proc) r"
            " WHERE r.procedure_id = p.procedure_id"
        )
        cur.execute("CREATE INDEX ON gen_proc (commune, rank)")
        cur.execute(
            "CREATE TEMP TABLE gen_n ON COMMIT DROP AS SELECT"
            " count(*) FILTER (WHERE commune) AS commune_n,"
            " count(*) FILTER (WHERE NOT commune) AS province_n FROM gen_proc"
        )
        cur.execute("SELECT commune_n, province_n FROM gen_n")
        commune_n, province_n = cur.fetchone()
        if not commune_n or not province_n:
            raise RuntimeError("the catalogue needs commune- and province-level procedures")
        # Commune centres with their committee, weights ~ 1 / rank^0.8 in a stable order.
        cur.execute(
            """
            CREATE TEMP TABLE gen_centre ON COMMIT DROP AS
            WITH c AS (
                SELECT centre.id AS centre_id, committee.id AS committee_id,
                       row_number() OVER (ORDER BY md5(centre.code)) AS rank
                FROM procedures_agency centre
                JOIN procedures_agency committee
                  ON committee.unit_id = centre.unit_id AND committee.kind = 'commune_committee'
                WHERE centre.kind = 'commune_service_centre' AND centre.is_active
            ), w AS (SELECT c.*, 1 / power(rank, 0.8) AS weight FROM c)
            SELECT centre_id, committee_id, rank,
                   coalesce(sum(weight) OVER (ORDER BY rank ROWS BETWEEN UNBOUNDED PRECEDING
                                              AND 1 PRECEDING), 0)
                   / sum(weight) OVER () AS cum_lo
            FROM w
            """
        )
        cur.execute(
            "CREATE TEMP TABLE gen_slot ON COMMIT DROP AS"
            " SELECT s.slot, (SELECT c.centre_id FROM gen_centre c"
            "  WHERE c.cum_lo <= (s.slot + 0.5) / 10000.0 ORDER BY c.cum_lo DESC LIMIT 1)"
            " AS centre_id FROM generate_series(0, 9999) AS s(slot)"
        )
        cur.execute("ANALYZE gen_proc")
        cur.execute("ANALYZE gen_centre")
        cur.execute("ANALYZE gen_slot")
        cur.execute("SELECT count(*) FROM gen_centre")
        centres = cur.fetchone()[0]
        timings["lookup_tables_s"] = time.perf_counter() - start

        start = time.perf_counter()
        cur.execute("SELECT coalesce(max(id), 0) FROM dossiers_applicant")
        applicant_base = cur.fetchone()[0]
        cur.execute(APPLICANT_SQL, {"applicants": args.applicants})
        cur.execute(
            "SELECT min(id), max(id) FROM dossiers_applicant WHERE id > %s", [applicant_base]
        )
        low, high = cur.fetchone()
        if high - low + 1 != args.applicants:
            raise RuntimeError("applicant ids are not contiguous; use a fresh database")
        applicant_base = low - 1
        timings["applicants_s"] = time.perf_counter() - start

        start = time.perf_counter()
        cur.execute(
            GENERATE_SQL,
            {
                "count": args.count,
                "open": args.open_share,
                "days": args.years * 365.25,
                "applicants": args.applicants,
                "centre": centre_id,
            },
        )
        timings["plan_rows_s"] = time.perf_counter() - start

        # Secondary indexes of the dossier table: drop, insert, rebuild.
        cur.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
            """,
            [DOSSIER_TABLE],
        )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')

        start = time.perf_counter()
        cur.execute(INSERT_SQL, {"applicant_base": applicant_base})
        inserted = cur.rowcount
        cur.execute(SEQUENCE_SQL)
        timings["insert_dossiers_s"] = time.perf_counter() - start

        start = time.perf_counter()
        for _, definition in indexes:
            cur.execute(definition)
        timings["rebuild_indexes_s"] = time.perf_counter() - start
        conn.commit()

    with psycopg.connect(database_url, autocommit=True) as conn:
        start = time.perf_counter()
        conn.execute("VACUUM (ANALYZE) dossiers_dossier")
        conn.execute("VACUUM (ANALYZE) dossiers_applicant")
        conn.execute("ANALYZE dossiers_dossiersequence")
        timings["vacuum_analyze_s"] = time.perf_counter() - start
    return {
        "inserted": inserted,
        "applicants": args.applicants,
        "commune_procedures": commune_n,
        "province_procedures": province_n,
        "commune_centres": centres,
        "rebuilt_indexes": [name for name, _ in indexes],
        **timings,
    }


def summary(database_url: str) -> dict:
    import psycopg

    with psycopg.connect(database_url) as conn:
        statuses = dict(
            conn.execute(
                "SELECT status, count(*) FROM dossiers_dossier GROUP BY 1 ORDER BY 2 DESC"
            ).fetchall()
        )
        channels = dict(
            conn.execute("SELECT channel, count(*) FROM dossiers_dossier GROUP BY 1").fetchall()
        )
        busiest = conn.execute(
            "SELECT a.code, a.kind, count(*) FROM dossiers_dossier d "
            "JOIN procedures_agency a ON a.id = d.receiving_agency_id "
            "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5"
        ).fetchall()
        handlers = conn.execute(
            "SELECT a.code, a.kind, count(*) FROM dossiers_dossier d "
            "JOIN procedures_agency a ON a.id = d.handling_agency_id "
            "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5"
        ).fetchall()
        receivers = conn.execute(
            "SELECT count(DISTINCT receiving_agency_id) FROM dossiers_dossier"
        ).fetchone()[0]
        size = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('dossiers_dossier'))"
        ).fetchone()[0]
        span = conn.execute(
            "SELECT min(submitted_at), max(submitted_at) FROM dossiers_dossier"
        ).fetchone()
        overdue = conn.execute(
            "SELECT count(*) FROM dossiers_dossier WHERE status IN ('received', 'processing') "
            "AND due_at < now()"
        ).fetchone()[0]
    return {
        "statuses": statuses,
        "channels": channels,
        "receiving_agencies": receivers,
        "busiest_receiving": busiest,
        "busiest_handling": handlers,
        "overdue_running": overdue,
        "table_size": size,
        "submitted_from": span[0],
        "submitted_to": span[1],
    }


def run(database_url: str, args) -> dict:
    """Prepare (unless --no-prepare) and generate; Django must be set up (bootstrap_django)."""
    out: dict = {}
    if not args.no_prepare:
        out.update(prepare())
    start = time.perf_counter()
    procs, centre_id = procedure_rows()
    out["procedure_rows_s"] = time.perf_counter() - start
    from django.db import connections

    connections.close_all()
    start = time.perf_counter()
    out.update(generate(database_url, args, procs, centre_id))
    out["generate_s"] = time.perf_counter() - start
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.recreate:
        recreate_database(args.database_url)
    bootstrap_django(args.database_url)
    start = time.perf_counter()
    result = run(args.database_url, args)
    result["total_s"] = time.perf_counter() - start
    result["summary"] = summary(args.database_url)
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
