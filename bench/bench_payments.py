"""Benchmark: the payment platform's notifications handled per second on one process (issue 13
§6: at least 500/s, with verification), and the reconciliation of 10,000 pending payments
(under 60 s).

Run it with `.venv/bin/python bench/bench_payments.py` (`--help` for the options).

On a throw-away PostgreSQL database seeded with the real catalogue (`seed_all --no-demo`), a
procedure is given two fixed fee lines and `--dossiers` dossiers are taken at the provincial
centre's counter (each owing them), each with one pending `Payment`. Then, in this process,
sequentially, through the whole Django stack (the test client's POST to /api/v1/payments/ipn/,
JSON parsing, the view, the message log):

- `paid`: one verified notification per payment — check value, partner, reference, amount and
  currency verified, the payment row locked and paid, the dossier's door (row lock, fee lines,
  `paid_online`, Event, the indicators' counters and the portal's outbox row in the same
  transaction), the two log rows;
- `duplicate`: the same notifications again (answered 02 under the row lock);
- `forged`: notifications with a wrong check value (answered 97, logged).

Reconciliation: `--pending` payments expired and still pending, asked about through a platform
stub in process that signs its answers (the HTTP round trip to a real platform is not measured:
it is the platform's); 80% still pending, 10% unknown to the platform (expired), 10% paid (each
through the door). Prints a table and writes bench/results/bench_payments.json;
docs/performance.md records the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import (
    bootstrap_django,
    drop_database,
    machine,
    print_machine,
    recreate_database,
    seed,
    table,
    write_results,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/onecua_bench_payments"
PROCEDURE = "1.000426"  # Cấp thẻ tư vấn viên pháp luật: received at the provincial centre
TARGET_IPN_PER_S = 500
TARGET_RECONCILE_S = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--dossiers", type=int, default=2000, help="payments notified")
    parser.add_argument("--pending", type=int, default=10000, help="payments reconciled")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    info = machine(args.database_url)
    recreate_database(args.database_url)
    var_dir = tempfile.mkdtemp(prefix="onecua-bench-payments-")
    bootstrap_django(args.database_url, ONECUA_SIGNING_DIR=var_dir, ONECUA_VAR_DIR=var_dir)
    try:
        rows, results = run(args)
    finally:
        if not args.keep:
            drop_database(args.database_url)
    print_machine(info)
    print(
        f"{args.dossiers} payments notified, {args.pending} reconciled; one process, PostgreSQL\n"
    )
    print(table(["measure", "n", "seconds", "per second", "target", "verdict"], rows))
    path = write_results("bench_payments", {"machine": info, "args": vars(args), **results})
    print(f"\nResults: {path}")


def run(args):
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from dossiers import services
    from payments import checksum
    from payments import client as payment_client
    from payments.models import Payment, PaymentStatus
    from procedures.models import FeeLine, Procedure, ProcedureStatus

    settings.OUTBOX_AUTODELIVER = False
    settings.ALLOWED_HOSTS = ["testserver"]
    seed()
    procedure = Procedure.objects.get(code=PROCEDURE, status=ProcedureStatus.PUBLISHED)
    procedure.fee_lines.all().delete()
    FeeLine.objects.create(
        procedure=procedure, order=1, name="Phí thẩm định", amount=20000, kind="phi"
    )
    FeeLine.objects.create(procedure=procedure, order=2, name="Lệ phí", amount=8000, kind="le_phi")
    procedure.fee_mode = "fixed"
    procedure.save(update_fields=["fee_mode"])
    clerk = _clerk()
    components = [{"order": c.order} for c in procedure.components.all()]

    def dossiers(n: int, offset: int) -> list:
        out = []
        for i in range(offset, offset + n):
            out.append(
                services.counter_intake(
                    actor=clerk,
                    procedure_code=PROCEDURE,
                    applicant={
                        "kind": 1,
                        "full_name": f"Người nộp {i}",
                        "personal_id": f"0250{i:08d}",
                    },
                    summary="Đề nghị cấp thẻ",
                    components=components,
                )
            )
        return out

    def payments(rows, prefix: str, expires_at) -> list[Payment]:
        now = timezone.now()
        return Payment.objects.bulk_create(
            [
                Payment(
                    reference=f"{prefix}{i:012d}",
                    dossier=d,
                    amount=28000,
                    lines=[
                        {"order": 1, "name": "Phí thẩm định", "kind": "phi", "amount": 20000},
                        {"order": 2, "name": "Lệ phí", "kind": "le_phi", "amount": 8000},
                    ],
                    payer=f"Người nộp {i}",
                    created_at=now,
                    expires_at=expires_at,
                    payment_url="https://thanhtoan.example/pay/",
                )
                for i, d in enumerate(rows)
            ],
            batch_size=2000,
        )

    secret, partner = settings.ONECUA_PAYMENT_SECRET, settings.ONECUA_PAYMENT_PARTNER_CODE

    def notification(ref: str, status: str = "paid", forged: bool = False) -> dict:
        data = {
            "partner_code": partner,
            "transaction_ref": ref,
            "platform_txn_id": f"PT-{ref}",
            "amount": 28000,
            "currency": "VND",
            "status": status,
            "paid_at": "20260302091500" if status == "paid" else "",
            "bank_code": "VCB",
        }
        return checksum.sign(data, checksum.NOTIFY, "forged" if forged else secret)

    start = time.perf_counter()
    notified = dossiers(args.dossiers, 0)
    setup_s = time.perf_counter() - start
    later = timezone.now() + timezone.timedelta(hours=1)
    refs = [p.reference for p in payments(notified, "OCBENCH", later)]
    client = Client()

    def post_all(bodies: list[dict], expect: str) -> float:
        start = time.perf_counter()
        for body in bodies:
            response = client.post("/api/v1/payments/ipn/", body, content_type="application/json")
            code = response.json()["code"]
            assert code == expect, (code, expect, body["transaction_ref"])
        return time.perf_counter() - start

    for ref in refs[:20]:  # warm-up (paid here, then counted among the duplicates)
        client.post("/api/v1/payments/ipn/", notification(ref), content_type="application/json")
    paid_bodies = [notification(ref) for ref in refs[20:]]
    timings = {
        "paid": (len(paid_bodies), post_all(paid_bodies, "00")),
    }
    dupes = [notification(ref) for ref in refs]
    timings["duplicate"] = (len(dupes), post_all(dupes, "02"))
    forged = [notification(ref, forged=True) for ref in refs]
    timings["forged"] = (len(forged), post_all(forged, "97"))
    assert Payment.objects.filter(status=PaymentStatus.PAID).count() == len(refs)

    # --- reconciliation ------------------------------------------------------------------------
    # 10,000 expired pending payments over as many dossiers as were made above (a dossier may
    # have several attempts), each asked about.
    expired = timezone.now() - timezone.timedelta(minutes=1)
    owners = (notified * (args.pending // len(notified) + 1))[: args.pending]
    pending = payments(owners, "OCRECON", expired)

    class Stub:
        """The platform's status query, in process, signing its answers."""

        def post(self, path, body):
            ref = body["transaction_ref"]
            n = int(ref[-6:])
            if n % 10 == 0:
                return {"code": "01", "message": "Transaction not found"}
            status = "paid" if n % 10 == 1 else "pending"
            return {"code": "00", **notification(ref, status)}

    payment_client._transport_override = Stub()
    from payments.reconcile import reconcile

    start = time.perf_counter()
    counts = reconcile()
    reconcile_s = time.perf_counter() - start
    payment_client._transport_override = None
    assert sum(counts.values()) == len(pending), counts

    rows, results = [], {"setup_s": setup_s, "ipn": {}, "reconcile": {}}
    for name, (n, seconds) in timings.items():
        rate = n / seconds
        verdict = "PASS" if rate >= TARGET_IPN_PER_S else "MISS"
        rows.append(
            [f"IPN {name}", n, f"{seconds:.2f}", f"{rate:.0f}", f">= {TARGET_IPN_PER_S}/s", verdict]
        )
        results["ipn"][name] = {"n": n, "seconds": seconds, "per_second": rate, "verdict": verdict}
    verdict = "PASS" if reconcile_s < TARGET_RECONCILE_S else "MISS"
    rows.append(
        [
            "reconcile",
            len(pending),
            f"{reconcile_s:.2f}",
            f"{len(pending) / reconcile_s:.0f}",
            f"< {TARGET_RECONCILE_S} s",
            verdict,
        ]
    )
    results["reconcile"] = {
        "n": len(pending),
        "seconds": reconcile_s,
        "counts": dict(counts),
        "verdict": verdict,
    }
    return rows, results


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
