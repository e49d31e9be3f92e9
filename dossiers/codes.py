"""Dossier codes: `<receiving agency identifier>-<YYMMDD>-<NNNN>` (Circular 03/2025).

The sequence is per agency per local day, given out by one atomic statement
(INSERT … ON CONFLICT … DO UPDATE … RETURNING) inside the caller's transaction: the row stays
locked until the dossier is committed, so concurrent receipts at one agency get distinct,
consecutive numbers, and a rolled-back receipt gives its number back instead of leaving a gap.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from core.calendar import LOCAL_TZ

from .models import DossierSequence


def next_sequence(agency_id: int, day) -> int:
    table = DossierSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (agency_id, day) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [agency_id, day],
        )
        return cursor.fetchone()[0]


def new_code(agency, moment: datetime) -> str:
    local_day = moment.astimezone(LOCAL_TZ).date()
    number = next_sequence(agency.pk, local_day)
    return f"{agency.code}-{local_day:%y%m%d}-{number:04d}"
