"""The claims of a VNeID login, read into an `accounts.services.VneidIdentity`.

Claim names (docs/accounts.md, "VNeID"): `SoDinhDanh` (the 12-digit personal ID), `HoVaTen`,
`NgayThangNamSinh` (dd/mm/yyyy, or yyyy-mm-dd), `SoDienThoai` (or the standard
`phone_number`), `Email` (or `email`), and the identification level `MucDoDinhDanh` (1 or 2;
failing it, `acr` "1" or "2"). The personal ID and the level are required; a login without them
is refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from ..services import VneidIdentity

PERSONAL_ID = re.compile(r"^\d{12}$")
PHONE = re.compile(r"^\+?\d{9,15}$")


class InvalidClaims(ValueError):
    pass


def _text(claims: dict, *names: str) -> str:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _birth_date(value: str) -> date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _level(claims: dict) -> int:
    for name in ("MucDoDinhDanh", "acr"):
        value = claims.get(name)
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and value in (1, 2):
            return value
        if isinstance(value, str) and value.strip() in ("1", "2"):
            return int(value.strip())
    raise InvalidClaims("no identification level (MucDoDinhDanh / acr) of 1 or 2")


def identity(claims: dict) -> VneidIdentity:
    subject = _text(claims, "sub")
    if not subject:
        raise InvalidClaims("no subject (sub)")
    personal_id = _text(claims, "SoDinhDanh")
    if not PERSONAL_ID.match(personal_id):
        raise InvalidClaims("SoDinhDanh is not a 12-digit personal ID")
    full_name = _text(claims, "HoVaTen", "name")
    if not full_name:
        raise InvalidClaims("no name (HoVaTen)")
    phone = re.sub(r"[\s.-]", "", _text(claims, "SoDienThoai", "phone_number"))
    email = _text(claims, "Email", "email")
    return VneidIdentity(
        subject=subject,
        personal_id=personal_id,
        full_name=full_name[:200],
        assurance_level=_level(claims),
        birth_date=_birth_date(_text(claims, "NgayThangNamSinh", "birthdate")),
        phone=phone if PHONE.match(phone) else "",
        email=email[:254] if "@" in email else "",
    )
