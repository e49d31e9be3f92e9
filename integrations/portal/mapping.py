"""The national portal's (DVCQG) view of a dossier, built from the dossier and its events.

A message is about one Event: the record sent for it shows the dossier as it stood right after
that event (its status, and the dates known by then), so that the portal sees every status in
order even when a message is delivered late. Field names follow docs/domain.md §5.
"""

from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.calendar import LOCAL_TZ
from dossiers.models import (
    RESOLVED,
    Dossier,
    DossierStatus,
    Event,
    Outcome,
    PauseKind,
    ReturnMethod,
)
from dossiers.system import SYSTEM

S = DossierStatus
# TrangThaiHoSo of the national portal, for each of our states (docs/domain.md §3).
PORTAL_STATUS = {
    S.NEW: 1,
    S.RECEIVED: 2,
    S.NOT_RECEIVED: 3,
    S.PROCESSING: 4,
    S.SUPPLEMENT_REQUESTED: 5,
    S.AWAITING_PAYMENT: 6,
    S.WITHDRAWN: 7,
    S.STOPPED: 8,
    S.RESULT_READY: 9,
    S.RETURNED: 10,
}


@extend_schema_field(serializers.IntegerField(min_value=1, max_value=10))
class PortalStatusField(serializers.Field):
    """The dossier's status as the portal's code, in the dossier API (integrations/apps.py)."""

    def __init__(self, **kwargs):
        super().__init__(source="status", read_only=True, **kwargs)

    def to_representation(self, status) -> int:
        return PORTAL_STATUS[status]


PORTAL_DATE_FORMAT = "%Y%m%d%H%M%S"

# HinhThuc (how the result is returned).
RETURN_METHODS = {ReturnMethod.COUNTER: 1, ReturnMethod.POST: 2, ReturnMethod.ONLINE: 3}


def portal_date(moment: datetime | None) -> str:
    """`yyyyMMddHHmmss` in local time, "" when unknown."""
    if moment is None:
        return ""
    return moment.astimezone(LOCAL_TZ).strftime(PORTAL_DATE_FORMAT)


def version_of(dossier: Dossier, event: Event, history: list[Event] | None = None) -> int:
    """PhienBan: the event's rank in the dossier's history (1 for the first)."""
    if history is not None:
        return sum(1 for e in history if e.id <= event.id)
    return dossier.events.filter(id__lte=event.id).count()


def _as_of(moment: datetime | None, event: Event) -> datetime | None:
    """A date the portal may know at this event: not one set by a later event."""
    return moment if moment is not None and moment <= event.at else None


def dossier_record(dossier: Dossier, event: Event, history: list[Event] | None = None) -> dict:
    """The create/update body for the portal, as of `event`. `history`: the dossier's events in
    id order, already loaded (a batch loads them for all its dossiers in one query); without it
    the dates and the version are read from the database."""
    applicant = dossier.applicant
    terms = dossier.terms
    components = list(dossier.components.all())
    supplements = [
        {
            "NgayYeuCau": portal_date(p.opened_at),
            "NoiDung": p.reason,
            "NgayBoSung": portal_date(_as_of(p.closed_at, event)),
        }
        for p in dossier.pauses.all()
        if p.kind == PauseKind.SUPPLEMENT and p.opened_at <= event.at
    ]
    has_result = event.to_status in RESOLVED and dossier.outcome == Outcome.APPROVED
    digitised = dossier.is_digitised or any(c.is_digitised for c in components)
    result_documents = [
        {"TenGiayTo": terms.get("result_name", ""), "LaKetQuaDienTu": int(dossier.has_e_result)}
    ]
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": terms.get("procedure_code", dossier.procedure.code),
        "TenTTHC": terms.get("procedure_name", dossier.procedure.name),
        "MaLinhVuc": terms.get("field_code", ""),
        "KenhThucHien": dossier.channel,
        "ChuHoSo": applicant.full_name,
        "LoaiDoiTuong": applicant.kind,
        "SoGiayToChuHoSo": applicant.personal_id or applicant.tax_code,
        "DinhDanhCHS": applicant.personal_id,
        "TrichYeuHoSo": dossier.summary,
        "NgayTiepNhan": portal_date(_receipt_date_as_of(dossier, event, history)),
        "NgayHenTra": portal_date(_due_as_of(dossier, event, history)),
        "TrangThaiHoSo": PORTAL_STATUS[event.to_status],
        "NgayTra": portal_date(_as_of(dossier.returned_at, event)),
        "HinhThuc": RETURN_METHODS.get(dossier.return_method, 1),
        "DonViXuLy": dossier.handling_agency.code,
        "TaiLieuNop": [
            {
                "TenTepDinhKem": c.name[:250],
                "MaThanhPhanHoSo": str(c.order),
                "DuocSoHoa": int(c.is_digitised),
                "DuocTaiSuDung": int(c.is_reused),
            }
            for c in components
            if c.provided
        ],
        # The dossier's own fee lines (docs/payments.md): what it owes after exemptions and
        # reductions; a dossier filed before fees were tracked has the frozen terms' lines.
        "DanhSachLePhi": [
            {
                "TenPhiLePhi": f.name,
                "MucPhi": (f.amount_due if f.amount_due is not None else f.amount) or 0,
                "LoaiPhiLePhi": f.kind,
            }
            for f in dossier.fees.all()
        ],
        "DanhSachHoSoBoSung": supplements,
        "DanhSachGiayToKetQua": result_documents if has_result else [],
        "HoSoCoThanhPhanSoHoa": int(digitised),
        "TaiKhoanDuocXacThucVoiVNeID": int(dossier.vneid_verified),
        "DuocThanhToanTrucTuyen": int(dossier.paid_online),
        "PhienBan": version_of(dossier, event, history),
    }


def _receipt_date_as_of(
    dossier: Dossier, event: Event, history: list[Event] | None = None
) -> datetime | None:
    """NgayTiepNhan as of `event` (docs/portal-sync.md, "The receipt date").

    The portal requires it for every status but 1 (new, awaiting the check at receipt). A
    received dossier gives its receipt time. A dossier that left the waiting queue without
    being received (refused at receipt: 3; asked to supplement at receipt: 5; withdrawn, or
    stopped after an unanswered request, before receipt: 7, 8) gives the time it left it: the
    check at receipt (Mẫu 03 refusal or Mẫu 02 request for supplement) or the applicant's
    withdrawal before any check, i.e. the last event up to this one that moved it out of
    "new". Back in "new" after a supplement, the dossier waits again: "" (status 1)."""
    received = _as_of(dossier.received_at, event)
    if received is not None:
        return received
    if event.to_status == S.NEW:
        return None
    if history is not None:
        left = [e.at for e in history if e.id <= event.id and e.from_status == S.NEW]
        return left[-1] if left else None
    return (
        dossier.events.filter(id__lte=event.id, from_status=S.NEW)
        .order_by("-id")
        .values_list("at", flat=True)
        .first()
    )


def _due_as_of(
    dossier: Dossier, event: Event, history: list[Event] | None = None
) -> datetime | None:
    """The promised date as the portal should see it at this event: the last one an event up
    to this one recorded (receipt, supplement, payment, apology)."""
    recorded = None
    if history is not None:
        payloads = [e.payload for e in history if e.id <= event.id]
    else:
        up_to = dossier.events.filter(id__lte=event.id).order_by("id")
        payloads = up_to.values_list("payload", flat=True)
    for payload in payloads:
        if isinstance(payload, dict) and payload.get("due_at"):
            recorded = payload["due_at"]
    return datetime.fromisoformat(recorded) if recorded else None


def progress_step(dossier: Dossier, event: Event, history: list[Event] | None = None) -> dict:
    """One TienDo item: who did what, when, in which unit (`history` as in `dossier_record`).
    The system's own events (the watchdog stopping a dossier whose supplement window ran out,
    imported history: `Event.actor` null) are the system's: NguoiXuLy is required by the portal,
    and an empty one made every such step refused and its message dead (docs/performance.md §16)."""
    actor = event.actor
    return {
        "NguoiXuLy": (actor.full_name or actor.username) if actor else SYSTEM.full_name,
        "ChucDanh": actor.get_role_display() if actor else "",
        "ThoiDiemXuLy": portal_date(event.at),
        "PhongBanXuLy": actor.agency.name if actor and actor.agency_id else "",
        "NoiDungXuLy": event.note or event.action,
        "TrangThai": PORTAL_STATUS[event.to_status],
        "NgayBatDau": portal_date(event.at),
        "NgayKetThucTheoQuyDinh": portal_date(_due_as_of(dossier, event, history)),
    }
