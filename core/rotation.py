"""Re-encrypting personal data with the newest key (`manage.py rotate_field_keys`;
docs/personal-data.md, "Rotating the keys").

Every column of an `EncryptedTextField`, in every installed model, is read as stored (raw SQL:
the ciphertext, not the clear value) in batches by primary key; a value that the newest key of
ONECUA_FIELD_KEYS does not already decrypt is re-encrypted with it (`MultiFernet.rotate`), and
with `rehash` the keyed hashes beside the values are recomputed (after ONECUA_HMAC_KEY changed).
Each batch is its own transaction, so an interrupted run keeps what it did; values already
under the newest key are skipped, so a second run writes nothing (idempotent) and a rerun
resumes where the last one stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from .crypto import blind_index, decrypt, encrypted_with_newest, rotate
from .fields import BlindIndexField, EncryptedTextField


@dataclass
class TableReport:
    table: str
    rows: int = 0  # rows read
    rewritten: int = 0  # rows written back
    values: int = 0  # values re-encrypted


def encrypted_models() -> Iterator[tuple[type, list, list]]:
    """(model, its encrypted fields, its hash fields) for each installed concrete model."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            hashes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
            yield model, fields, hashes


def rotate_model(
    model, fields, hashes, *, batch_size: int = 1000, rehash: bool = False, progress=None
) -> TableReport:
    table = model._meta.db_table
    report = TableReport(table)
    quote = connection.ops.quote_name
    pk = model._meta.pk.column
    columns = [f.column for f in fields]
    by_name = {f.name: i for i, f in enumerate(fields)}
    hash_sources = [(h.column, by_name[h.source]) for h in hashes if h.source in by_name]
    select = (
        f"SELECT {quote(pk)}, {', '.join(quote(c) for c in columns)} FROM {quote(table)} "  # noqa: S608
        f"WHERE {quote(pk)} > %s ORDER BY {quote(pk)} LIMIT %s"
    )
    written = [*columns, *([c for c, _i in hash_sources] if rehash else [])]
    update = (
        f"UPDATE {quote(table)} SET {', '.join(f'{quote(c)} = %s' for c in written)} "  # noqa: S608
        f"WHERE {quote(pk)} = %s"
    )
    last = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select, [last if last is not None else _lowest(model), batch_size])
            rows = cursor.fetchall()
            if not rows:
                return report
            changes = []
            for key, *values in rows:
                what = f"{table}.{{}} (id {key})"
                new = list(values)
                for i, token in enumerate(values):
                    if token and not encrypted_with_newest(token):
                        new[i] = rotate(token, what=what.format(columns[i]))
                        report.values += 1
                extra = []
                if rehash:
                    extra = [
                        blind_index(decrypt(new[i], what=what.format(columns[i])))
                        for _c, i in hash_sources
                    ]
                if new != values or rehash:
                    changes.append([*new, *extra, key])
            if changes:
                cursor.executemany(update, changes)
            report.rows += len(rows)
            report.rewritten += len(changes)
            last = rows[-1][0]
        if progress:
            progress(report)


def _lowest(model):
    """Below every primary key: -1 for integers, "" for text keys (UUIDs are stored as text on
    SQLite and compare as uuid on PostgreSQL, but no model with an encrypted field has one)."""
    return -(2**63) if model._meta.pk.get_internal_type().endswith("AutoField") else ""


def rotate_all(
    *, batch_size: int = 1000, rehash: bool = False, progress: Callable | None = None
) -> list[TableReport]:
    return [
        rotate_model(model, fields, hashes, batch_size=batch_size, rehash=rehash, progress=progress)
        for model, fields, hashes in encrypted_models()
    ]
