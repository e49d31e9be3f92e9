"""A point-in-time restore brings back exactly the state at the target time: the dossiers and
their events of before it, none of after it, and every file the restored rows refer to with its
SHA-256 (docs/deployment.md "Backups and point-in-time recovery"; run by
`bash scripts/backup_test.sh`, skipped otherwise)."""

from __future__ import annotations

import hashlib

import pytest

from documents.signing import verify_pdf
from tests.backup.workload import FILES_SQL

pytestmark = pytest.mark.backup


def rows(connection, sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_the_restored_cluster_is_promoted_and_writable(restored):
    assert rows(restored, "SELECT pg_is_in_recovery()") == [(False,)]
    # A new timeline: the restored cluster is a new history, not the primary's.
    (timeline,) = rows(restored, "SELECT timeline_id FROM pg_control_checkpoint()")[0]
    assert timeline >= 2
    assert rows(restored, "SELECT txid_current() > 0") == [(True,)]


def test_the_phases_are_real(at_target, after_target):
    # The test proves something only if T split the work: dossiers before and after it, each
    # with its events (filed, file attached, received, assigned, handed over, approved) and its
    # two files (the citizen's upload and the signed e-result).
    before, after = set(at_target["dossiers"]), set(after_target["dossiers"])
    assert len(before) >= 2
    assert before < after
    assert len(at_target["files"]) >= 2 * len(before)
    assert len(at_target["events"]) >= 6 * len(before)


def test_dossiers_at_the_target_time_exactly(restored, at_target, after_target):
    restored_dossiers = dict(rows(restored, "SELECT code, status FROM dossiers_dossier"))
    assert restored_dossiers == at_target["dossiers"]
    # Phase 3 (committed after T) is not there.
    later = set(after_target["dossiers"]) - set(at_target["dossiers"])
    assert later
    assert not later & set(restored_dossiers)


def test_events_at_the_target_time_exactly(restored, at_target, after_target):
    restored_events = rows(
        restored,
        "SELECT e.id, d.code, e.action, e.to_status FROM dossiers_event e "
        "JOIN dossiers_dossier d ON d.id = e.dossier_id ORDER BY e.id",
    )
    assert [list(event) for event in restored_events] == at_target["events"]
    assert len(after_target["events"]) > len(restored_events)


def test_every_referenced_file_is_restored_with_its_sha256(restored, at_target, restored_documents):
    referenced = dict(rows(restored, FILES_SQL))
    assert referenced == at_target["files"]
    problems = []
    for path, sha256 in referenced.items():
        file = restored_documents / path
        if not file.is_file():
            problems.append(f"{path}: missing")
        elif hashlib.sha256(file.read_bytes()).hexdigest() != sha256:
            problems.append(f"{path}: SHA-256 differs")
    assert not problems, problems


def test_the_e_results_are_restored_and_their_signatures_verify(
    restored, restored_documents, signing_ca, settings
):
    # The restored PDFs verify against the scratch primary's signing CA, as the public
    # verification page would check them (documents/signing/verify.py).
    settings.ONECUA_SIGNING_TRUST_ROOTS = [str(signing_ca)]
    results = rows(
        restored,
        "SELECT d.code, f.path FROM dossiers_eresult r JOIN documents_storedfile f "
        "ON f.id = r.file_id JOIN dossiers_dossier d ON d.id = r.dossier_id",
    )
    assert results
    for code, path in results:
        report = verify_pdf((restored_documents / path).read_bytes())
        assert report.ok, (code, report)
        assert report.signed and report.intact and report.trusted
