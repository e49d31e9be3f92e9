"""The portal's procedure list, seeded lazily from the province's committed catalogue file.

It deliberately differs from the catalogue both ways, so that a catalogue comparison has
something to find: a deterministic ~1% of the catalogue's codes are missing (those whose SHA-256
is 0 modulo 100, at least one), and a few made-up codes (9.9999xx) are added.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import PortalProcedure

EXTRA_PROCEDURES = [
    (f"9.9999{n:02d}", f"Thủ tục chỉ có trên Cổng DVCQG (giả lập) số {n}") for n in range(1, 6)
]


def _hash(code: str) -> int:
    return int(hashlib.sha256(code.encode()).hexdigest(), 16)


def catalogue_procedures(path: Path | None = None) -> list[tuple[str, str]]:
    """(code, name) of every procedure in the catalogue file, without duplicates."""
    path = Path(path or settings.ONECUA_CATALOGUE_FILE)
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    rows = data if isinstance(data, list) else data.get("procedures", [])
    seen: dict[str, str] = {}
    for row in rows:
        code = str(row.get("code") or "").strip()
        if code and code not in seen:
            seen[code] = str(row.get("name") or "").strip()
    return list(seen.items())


def dropped_codes(codes: list[str]) -> set[str]:
    """The catalogue codes the portal does not know: ~1%, deterministic, at least one."""
    dropped = {code for code in codes if _hash(code) % 100 == 0}
    if not dropped and codes:
        dropped = {min(codes, key=_hash)}
    return dropped


def portal_procedures() -> list[tuple[str, str]]:
    procedures = catalogue_procedures()
    dropped = dropped_codes([code for code, _ in procedures])
    kept = [(code, name) for code, name in procedures if code not in dropped]
    return kept + EXTRA_PROCEDURES


def ensure_seeded() -> None:
    if PortalProcedure.objects.exists():
        return
    with transaction.atomic():
        PortalProcedure.objects.bulk_create(
            [PortalProcedure(ma_tthc=code, ten_tthc=name) for code, name in portal_procedures()],
            ignore_conflicts=True,
            batch_size=500,
        )
