"""Who may read which figures, and the agency tree (Agency.parent) behind "with its
sub-agencies"."""

from __future__ import annotations

import threading
import time

from django.utils.translation import gettext as _

from accounts.roles import Role
from core.errors import DomainError, Forbidden
from organisations.models import Agency, UnitType

COMMUNE_UNIT_TYPES = (UnitType.COMMUNE, UnitType.WARD, UnitType.SPECIAL_ZONE)
CACHE_SECONDS = 60

_lock = threading.Lock()
_cache: dict = {"at": 0.0, "tree": None}


class AgencyTree:
    """The agencies as a small in-memory tree (a province has a few hundred)."""

    def __init__(self, rows):
        self.by_id = {r["id"]: r for r in rows}
        self.by_code = {r["code"]: r["id"] for r in rows}
        self.children: dict[int, list[int]] = {}
        for r in rows:
            if r["parent_id"]:
                self.children.setdefault(r["parent_id"], []).append(r["id"])

    def subtree(self, agency_id: int) -> frozenset[int]:
        seen, stack = set(), [agency_id]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(self.children.get(current, ()))
        return frozenset(seen)

    def unit_of(self, agency_id: int) -> int | None:
        """The commune (xã/phường/đặc khu) of an agency, None for a provincial one."""
        row = self.by_id.get(agency_id)
        if row is None or row["unit__unit_type"] not in COMMUNE_UNIT_TYPES:
            return None
        return row["unit_id"]

    def commune_units(self) -> set[int]:
        return {
            r["unit_id"] for r in self.by_id.values() if r["unit__unit_type"] in COMMUNE_UNIT_TYPES
        }

    def name(self, agency_id: int) -> str:
        row = self.by_id.get(agency_id)
        return row["name"] if row else ""

    def code(self, agency_id: int) -> str:
        row = self.by_id.get(agency_id)
        return row["code"] if row else ""


def tree(*, fresh: bool = False) -> AgencyTree:
    with _lock:
        if fresh or _cache["tree"] is None or time.monotonic() - _cache["at"] > CACHE_SECONDS:
            rows = list(
                Agency.objects.values(
                    "id", "code", "name", "parent_id", "unit_id", "unit__unit_type", "kind"
                )
            )
            _cache["tree"] = AgencyTree(rows)
            _cache["at"] = time.monotonic()
        return _cache["tree"]


def invalidate() -> None:
    with _lock:
        _cache["tree"] = None


def may_read(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "role", None) in (Role.LEADER, Role.ADMINISTRATOR)
    )


def agencies_for(user, agency_code: str | None = None) -> frozenset[int] | None:
    """The agency ids whose figures `user` reads (None: the whole province).

    A leader reads their agency's subtree (by default) or any agency inside it; an
    administrator reads the province (by default) or any agency's subtree."""
    if not may_read(user):
        raise Forbidden(_("Chỉ lãnh đạo và quản trị hệ thống được xem số liệu thống kê."))
    agencies = tree()
    if agency_code:
        agency_id = agencies.by_code.get(agency_code)
        if agency_id is None:
            agencies = tree(fresh=True)
            agency_id = agencies.by_code.get(agency_code)
        if agency_id is None:
            raise DomainError(
                _("Không có cơ quan với mã %(code)s.") % {"code": agency_code},
                code="invalid_filter",
                errors={"agency": [_("Cơ quan không tồn tại.")]},
            )
    else:
        agency_id = None
    if user.role == Role.ADMINISTRATOR:
        return None if agency_id is None else agencies.subtree(agency_id)
    if not user.agency_id:
        raise Forbidden(_("Tài khoản lãnh đạo chưa gắn với cơ quan nào."))
    own = agencies.subtree(user.agency_id)
    if agency_id is None:
        return own
    if agency_id not in own:
        raise Forbidden(_("Bạn chỉ được xem số liệu của cơ quan mình và các đơn vị trực thuộc."))
    return agencies.subtree(agency_id)
