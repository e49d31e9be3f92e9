"""The demo identities the mock's login page lists (made-up people; the first is the demo
citizen `congdan`'s personal ID, so that a login links to that existing account)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    personal_id: str  # SoDinhDanh
    full_name: str  # HoVaTen
    birth_date: str  # NgayThangNamSinh, dd/mm/yyyy
    phone: str  # SoDienThoai
    email: str  # Email
    level: int  # MucDoDinhDanh: 1 or 2

    @property
    def subject(self) -> str:
        """A stable, pseudonymous `sub` (not the personal ID itself)."""
        return "vneid-" + hashlib.sha256(f"mock-vneid:{self.personal_id}".encode()).hexdigest()[:24]

    def claims(self) -> dict:
        return {
            "sub": self.subject,
            "SoDinhDanh": self.personal_id,
            "HoVaTen": self.full_name,
            "name": self.full_name,
            "NgayThangNamSinh": self.birth_date,
            "SoDienThoai": self.phone,
            "phone_number": self.phone,
            "Email": self.email,
            "email": self.email,
            "MucDoDinhDanh": self.level,
            "acr": str(self.level),
        }


IDENTITIES = (
    Identity(
        "025090001234", "Nguyễn Văn An", "12/05/1990", "0912345678", "an.nguyen@example.vn", 2
    ),
    Identity(
        "025185004321", "Trần Thị Bình", "03/11/1985", "0987654321", "binh.tran@example.vn", 2
    ),
    Identity("025201007777", "Lê Minh Châu", "20/02/2001", "0901234567", "chau.le@example.vn", 1),
    Identity(
        "025078002468", "Phạm Quốc Dũng", "07/09/1978", "0934567890", "dung.pham@example.vn", 1
    ),
)
BY_PERSONAL_ID = {identity.personal_id: identity for identity in IDENTITIES}
