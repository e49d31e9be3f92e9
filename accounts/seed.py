"""Demo accounts, one per role (README: for the demo only; never on a production database)."""

from __future__ import annotations

from django.db import transaction

from organisations.models import Agency
from organisations.seed import SERVICE_CENTRE_GROUP, agency_code

from .models import User

DEMO_ACCOUNTS = [
    ("quantri", "administrator", None, "Quản trị hệ thống"),
    ("congdan", "citizen", None, "Nguyễn Văn An"),
    ("tiepnhan", "receiving_officer", ("000", "00", SERVICE_CENTRE_GROUP), "Trần Thị Bình"),
    ("chuyenvien", "processing_officer", ("000", "00", "03"), "Lê Văn Cường"),
    ("lanhdao", "leader", ("000", "00", "03"), "Phạm Thị Dung"),
]


@transaction.atomic
def seed_demo_accounts(password: str) -> list[str]:
    """Create the demo accounts that do not exist yet; returns the usernames created."""
    created = []
    for username, role, groups, full_name in DEMO_ACCOUNTS:
        if User.objects.filter(username=username).exists():
            continue
        agency = Agency.objects.get(code=agency_code(*groups)) if groups else None
        user = User(
            username=username,
            role=role,
            agency=agency,
            full_name=full_name,
            is_staff=role != "citizen",
            is_superuser=role == "administrator",
            personal_id="025090001234" if role == "citizen" else "",
        )
        user.set_password(password)
        user.save()
        created.append(username)
    return created
