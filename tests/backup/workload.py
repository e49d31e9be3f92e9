"""The writes and the snapshots of the backup test (scripts/backup_test.sh, docs/deployment.md
"Backups and point-in-time recovery"), run as a program against the scratch primary:

    python -m tests.backup.workload setup
    python -m tests.backup.workload write --phase 2 --count 10
    python -m tests.backup.workload state --out state.json

`setup` makes the small world of the tests (tests/support/cast.py: two units, six agencies, the
small catalogue and the people). `write` files dossiers online through the services, each with
the citizen's uploaded PDF (a different one each time), received, assigned, handed over and
approved with a signed e-result (issue_e_result: the PDF in the documents storage and in the
applicant's data store); one transaction per action, as in production. `state` writes what
the database holds now (dossier codes and statuses, events, the stored files the rows refer to
with their SHA-256) and, once the snapshot is read, the database's clock as the recovery target
(every commit of the snapshot is before it; the next phase's commits are after it).

Settings come from the environment (DATABASE_URL, MEDIA_ROOT, ONECUA_VAR_DIR, ONECUA_MOCKS=1,
ONECUA_SIGNING_DIR with `manage.py make_signing_ca` run first). The outbox's automatic delivery
is off (no national system to deliver to): the messages stay pending, as in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.OUTBOX_AUTODELIVER = False
    settings.OUTBOX_EAGER_RETRY_TIMERS = False


def setup() -> None:
    from django.db import transaction
    from django.test import override_settings

    from tests.support.cast import FAST_HASHERS, build_small_cast

    with transaction.atomic(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        build_small_cast()


def _people():
    from accounts.models import User

    users = {u.username: u for u in User.objects.filter(username__in=PEOPLE)}
    return [users[name] for name in PEOPLE]


PEOPLE = ("an", "clerk", "specialist", "leader")


def write(phase: int, count: int) -> list[str]:
    from dossiers import services
    from organisations.models import AdministrativeUnit
    from tests.support.cast import CITIZEN_ID, SUMMARY
    from tests.support.files import pdf_bytes, upload

    citizen, clerk, specialist, leader = _people()
    unit = AdministrativeUnit.objects.get(name="Phường Việt Trì")
    codes = []
    for number in range(count):
        dossier = services.submit_online(
            actor=citizen,
            procedure_code="1.001193",
            applicant={
                "kind": 1,
                "full_name": "Nguyễn Văn An",
                "personal_id": CITIZEN_ID,
                "phone": "0912345678",
                "email": "an@example.vn",
                "address": "Số 1 đường Hùng Vương",
                "unit": unit.code,
            },
            summary=f"{SUMMARY} (phase {phase}, {number})",
            components=[{"order": 1}],
        )
        # A file of its own (its own SHA-256): the phase, the number and the clock in it.
        data = pdf_bytes(f"To khai phase {phase} no {number} at {time.time_ns()}")
        services.attach_file(
            dossier=dossier.code,
            order=1,
            actor=citizen,
            upload=upload(f"to-khai-{phase}-{number}.pdf", data),
        )
        services.receive(dossier=dossier.code, actor=clerk)
        services.assign(dossier=dossier.code, actor=leader, assignee=specialist.pk)
        services.hand_over(dossier=dossier.code, actor=specialist, assignee=leader.pk)
        services.approve(dossier=dossier.code, actor=leader, note="Đồng ý", e_result=True)
        codes.append(dossier.code)
    return codes


def state() -> dict:
    """What the database holds now, and its clock once that was read."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # One snapshot for every query (REPEATABLE READ on PostgreSQL).
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT code, status FROM dossiers_dossier ORDER BY code")
        dossiers = dict(cursor.fetchall())
        cursor.execute(
            "SELECT e.id, d.code, e.action, e.to_status FROM dossiers_event e "
            "JOIN dossiers_dossier d ON d.id = e.dossier_id ORDER BY e.id"
        )
        events = [list(row) for row in cursor.fetchall()]
        cursor.execute(FILES_SQL)
        files = dict(cursor.fetchall())
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        (now,) = cursor.fetchone()
    return {
        "dossiers": dossiers,
        "events": events,
        "files": files,
        "target_time": now.isoformat(sep=" "),
    }


# Every stored file a row refers to: the uploads and scans of the dossiers' components, the
# e-results and the documents of the citizens' data stores.
FILES_SQL = """
    SELECT f.path, f.sha256 FROM documents_storedfile f
    WHERE f.id IN (SELECT file_id FROM dossiers_componentfile)
       OR f.id IN (SELECT file_id FROM dossiers_eresult)
       OR f.id IN (SELECT file_id FROM documents_storedocument)
    ORDER BY f.path
"""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup")
    writer = sub.add_parser("write")
    writer.add_argument("--phase", type=int, required=True)
    writer.add_argument("--count", type=int, required=True)
    snapshot = sub.add_parser("state")
    snapshot.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    _django()
    if args.command == "setup":
        setup()
    elif args.command == "write":
        started = time.monotonic()
        codes = write(args.phase, args.count)
        print(
            f"phase {args.phase}: {len(codes)} dossiers in {time.monotonic() - started:.1f} s "
            f"({codes[0]} … {codes[-1]})"
        )
    else:
        snapshot = state()
        with open(args.out, "w", encoding="utf-8") as out:
            json.dump(snapshot, out, ensure_ascii=False, indent=1)
        print(
            f"state: {len(snapshot['dossiers'])} dossiers, {len(snapshot['events'])} events, "
            f"{len(snapshot['files'])} files; target time {snapshot['target_time']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
