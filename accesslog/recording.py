"""Recording reads: `record(user, kind, purpose, subjects)`, one INSERT per call.

The apps above call it where a read happens, after the read was allowed and just before the data
leaves (docs/access-log.md lists every place). Who is recorded is decided here, once:
officials (receiving officers, processing officers, leaders) and administrators (the
administrator role, or any superuser); a citizen reading their own dossiers and anonymous
visitors are not. A failed INSERT fails the read (nothing is shown that was not logged).

Cost (docs/performance.md §9): on PostgreSQL a read's rows go in one round trip to the
database — one statement that also copies the reader's agency code and name from the agency
table, sent with the asynchronous commit of the log's own transaction (see `_insert`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from accounts.roles import OFFICIAL_ROLES, Role
from core.identity import subject_key
from organisations.models import Agency

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
    """The reader's snapshot (the row keeps it after the account or the agency changes); the
    agency's code and name are added by `_insert`."""
    role = getattr(user, "role", None)
    return {
        "reader_id": user.pk,
        "reader_username": user.get_username(),
        "reader_name": getattr(user, "full_name", "") or "",
        # A superuser without an official's role reads as system staff.
        "reader_role": role if role in RECORDED_ROLES else Role.ADMINISTRATOR,
        "reader_agency_id": getattr(user, "agency_id", None),
        "by_administrator": is_administrator(user),
    }


def record(user, kind: ReadKind, purpose: Purpose, subjects: Iterable[Subject]) -> int:
    """Append one row per subject, in one INSERT, when `user` is a recorded reader; returns the
    number of rows."""
    if not is_recorded_reader(user):
        return 0
    subjects = list(subjects)
    if not subjects:
        return 0
    shared = {"at": timezone.now(), "kind": kind, "purpose": purpose, **_reader(user)}
    keys: dict[str, str] = {}
    for subject in subjects:
        if subject.identifier not in keys:
            keys[subject.identifier] = subject_key(subject.identifier)
    each = {
        "object_id": [subject.object_id for subject in subjects],
        "dossier_id": [subject.dossier_id for subject in subjects],
        "dossier_code": [subject.dossier_code for subject in subjects],
        "subject_key": [keys[subject.identifier] for subject in subjects],
        "subject_account_id": [subject.account_id for subject in subjects],
    }
    _insert(shared, each, len(subjects))
    return len(subjects)


# The columns that differ between the rows of one read, with their PostgreSQL array types.
_EACH_TYPES = {
    "object_id": "varchar[]",
    "dossier_id": "bigint[]",
    "dossier_code": "varchar[]",
    "subject_key": "varchar[]",
    "subject_account_id": "bigint[]",
}
_ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF"


def _insert(shared: dict, each: dict[str, list], count: int) -> None:
    """One INSERT of `count` rows: the values they share, and a list per column that differs.

    On PostgreSQL it is one statement, `INSERT … SELECT … FROM unnest(<one array per column>)
    LEFT JOIN <the agency>`: about 15 parameters whatever the page size, and the agency's code
    and name read in the same statement. Elsewhere (SQLite) it is the ORM's bulk_create, after
    reading the agency (it splits a page only past SQLite's limit on parameters, 60 rows).

    A read runs outside any transaction, so its rows commit on their own; on PostgreSQL that
    commit waits for the WAL to reach the disk (~4 ms on the benchmark machine, more than the
    read itself) unless it is asynchronous. By default it is: `SET LOCAL synchronous_commit TO
    OFF` goes with the INSERT in one message, which PostgreSQL runs as one transaction. A crash
    of the database server can then lose the rows of its last ~0.6 s (3 × wal_writer_delay),
    never a partial or reordered row (docs/access-log.md, "Cost");
    ONECUA_ACCESS_LOG_SYNC_COMMIT=1 makes each row durable before the data leave. Inside a
    caller's transaction the rows simply join it."""
    using = router.db_for_write(AccessRecord)
    connection = connections[using]
    if connection.vendor != "postgresql":
        agency_id = shared["reader_agency_id"]
        agency = Agency.objects.using(using).filter(pk=agency_id).first() if agency_id else None
        shared = {
            **shared,
            "reader_agency_code": agency.code if agency else "",
            "reader_agency_name": agency.name if agency else "",
        }
        rows = [
            AccessRecord(**shared, **{column: values[n] for column, values in each.items()})
            for n in range(count)
        ]
        AccessRecord.objects.using(using).bulk_create(rows)
        return
    sql, params = _insert_sql(connection, shared, each)
    # Two statements in one message need client-side binding (Django's default with psycopg 3,
    # and psycopg 2's only way) and no transaction of the caller's.
    together = not (
        connection.in_atomic_block
        or settings.ONECUA_ACCESS_LOG_SYNC_COMMIT
        or connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
    )
    with connection.cursor() as cursor:
        if together:
            cursor.execute(f"{_ASYNC_COMMIT}; {sql}", params)
        else:
            cursor.execute(sql, params)


def _insert_sql(connection, shared: dict, each: dict[str, list]) -> tuple[str, list]:
    quote = connection.ops.quote_name
    names = [*shared, "reader_agency_code", "reader_agency_name", *each]
    columns = ", ".join(quote(AccessRecord._meta.get_field(name).column) for name in names)
    arrays = ", ".join(f"%s::{_EACH_TYPES[name]}" for name in each)
    # Names from the models, a placeholder for every value.
    sql = (
        f"INSERT INTO {quote(AccessRecord._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {', '.join(['%s'] * len(shared))}, "
        "COALESCE(agency.code, ''), COALESCE(agency.name, ''), each.* "
        f"FROM unnest({arrays}) AS each "
        f"LEFT JOIN {quote(Agency._meta.db_table)} AS agency "
        f"ON agency.{quote(Agency._meta.pk.column)} = %s"
    )
    return sql, [*shared.values(), *each.values(), shared["reader_agency_id"]]
