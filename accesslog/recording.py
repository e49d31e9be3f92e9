"""Recording reads: `record(user, kind, purpose, subjects)`, one INSERT per call.

The apps above call it where a read happens, after the read was allowed and just before the data
leaves (docs/access-log.md lists every place). Who is recorded is decided here, once:
officials (receiving officers, processing officers, leaders) and administrators (the
administrator role, or any superuser); a citizen reading their own dossiers and anonymous
visitors are not. A failed INSERT fails the read (nothing is shown that was not logged).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from accounts.roles import OFFICIAL_ROLES, Role
from core.identity import subject_key

from .models import AccessRecord, Purpose, ReadKind

RECORDED_ROLES = frozenset(OFFICIAL_ROLES | {Role.ADMINISTRATOR})


@dataclass(frozen=True, slots=True)
class Subject:
    """What one row names: the dossier (id and code), the object read besides it, and whose data
    it is (the applicant's personal ID or tax code, hashed before it is stored, and their
    account)."""

    dossier_id: int | None = None
    dossier_code: str = ""
    identifier: str = ""
    account_id: int | None = None
    object_id: str = ""


def is_administrator(user) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) == Role.ADMINISTRATOR)


def is_recorded_reader(user) -> bool:
    """Officials and administrators; not citizens (their own data), not anonymous visitors."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return getattr(user, "role", None) in RECORDED_ROLES or bool(user.is_superuser)


def _reader(user) -> dict:
    """The reader's snapshot (the row keeps it after the account or the agency changes)."""
    agency = user.agency if getattr(user, "agency_id", None) else None
    return {
        "reader_id": user.pk,
        "reader_username": user.get_username(),
        "reader_name": getattr(user, "full_name", "") or "",
        "reader_role": getattr(user, "role", "") or "",
        "reader_agency_id": agency.pk if agency else None,
        "reader_agency_code": agency.code if agency else "",
        "reader_agency_name": agency.name if agency else "",
        "by_administrator": is_administrator(user),
    }


def record(user, kind: ReadKind, purpose: Purpose, subjects: Iterable[Subject]) -> int:
    """Append one row per subject (in one INSERT; SQLite splits a long list by its limit on
    query parameters) when `user` is a recorded reader; returns the number of rows."""
    if not is_recorded_reader(user):
        return 0
    subjects = list(subjects)
    if not subjects:
        return 0
    reader = _reader(user)
    now = timezone.now()
    keys: dict[str, str] = {}
    rows = []
    for subject in subjects:
        key = keys.get(subject.identifier)
        if key is None:
            key = keys[subject.identifier] = subject_key(subject.identifier)
        rows.append(
            AccessRecord(
                at=now,
                kind=kind,
                purpose=purpose,
                object_id=subject.object_id,
                dossier_id=subject.dossier_id,
                dossier_code=subject.dossier_code,
                subject_key=key,
                subject_account_id=subject.account_id,
                **reader,
            )
        )
    AccessRecord.objects.bulk_create(rows)
    return len(rows)
