"""Reads of dossiers in the access log (docs/access-log.md): whose data a dossier, an applicant
or a row of the logbook is, as the log names it. `accesslog` sits below `dossiers` and knows no
dossier; each read calls `record()` here once, with its kind and purpose."""

from __future__ import annotations

from collections.abc import Iterable

from accesslog import recording
from accesslog.models import Purpose, ReadKind
from accesslog.recording import Subject

from .models import Applicant, Dossier

__all__ = [
    "Purpose",
    "ReadKind",
    "applicant_subject",
    "dossier_subject",
    "logbook_recorder",
    "record",
]


def applicant_subject(applicant: Applicant, **extra) -> Subject:
    return Subject(identifier=applicant.identifier, account_id=applicant.account_id, **extra)


def dossier_subject(dossier: Dossier, object_id="") -> Subject:
    """The dossier, its applicant (loaded with it, or one query) and the object read."""
    applicant = dossier.applicant
    return Subject(
        dossier_id=dossier.pk,
        dossier_code=dossier.code,
        identifier=applicant.identifier,
        account_id=applicant.account_id,
        object_id=str(object_id),
    )


def record(
    user, dossiers: Iterable[Dossier], kind: ReadKind, purpose: Purpose, object_id=""
) -> int:
    """One row per dossier (one INSERT), when `user` is a reader the log records."""
    if not recording.is_recorded_reader(user):
        return 0
    subjects = [dossier_subject(dossier, object_id) for dossier in dossiers]
    return recording.record(user, kind, purpose, subjects)


def logbook_recorder(user, purpose: Purpose):
    """For the logbook (Mẫu 07): a callback recording the rows it is about to send, one row
    per dossier of the export (one INSERT per call); None when `user` is not recorded."""
    if not recording.is_recorded_reader(user):
        return None

    def on_rows(rows) -> None:
        subjects = [
            Subject(
                dossier_id=row.dossier_id,
                dossier_code=row.code,
                identifier=row.applicant_identifier,
                account_id=row.applicant_account_id,
            )
            for row in rows
        ]
        recording.record(user, ReadKind.EXPORT, purpose, subjects)

    return on_rows
