"""Ticket numbers: per service group and local day, given out by one atomic statement
(INSERT … ON CONFLICT … DO UPDATE … RETURNING), as dossiers/codes.py does for dossier codes. The
row stays locked until the caller's transaction commits, so concurrent kiosks get distinct,
consecutive numbers; a rolled-back issue gives its number back. A new day starts at 1."""

from __future__ import annotations

from django.db import connection

from .models import TicketSequence


def next_number(group_id: int, day) -> int:
    table = TicketSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (group_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (group_id, day) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [group_id, day],
        )
        return cursor.fetchone()[0]


def label(letter: str, number: int) -> str:
    """`B-047`: the group's letter and at least three digits."""
    return f"{letter}-{number:03d}"
