"""The portal's record of a dossier (docs/domain.md §5): every field, every status code, dates in
yyyyMMddHHmmss local time, flags; each event's record shows the dossier as of that event."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dossiers import services
from dossiers.models import Dossier, Event
from dossiers.services import files
from integrations.portal import mapping
from tests.support.cast import applicant_data, file_online
from tests.support.clock import at

# On the clock: Monday 2 March 2026, 09:00, until the test moves it.
pytestmark = [pytest.mark.django_db, pytest.mark.clock()]


def records(dossier):
    dossier = Dossier.objects.get(pk=dossier.pk)
    return [mapping.dossier_record(dossier, e) for e in dossier.events.order_by("id")]


def test_portal_dates_are_local_yyyymmddhhmmss():
    assert mapping.portal_date(datetime(2026, 3, 2, 2, 5, 9, tzinfo=ZoneInfo("UTC"))) == (
        "20260302090509"
    )
    assert mapping.portal_date(None) == ""


def test_a_full_record_with_every_field(cast, clock):
    d = file_online(cast)
    clock.now = at(2026, 3, 2, 10, 0)
    services.receive(dossier=d.code, actor=cast.clerk)
    record = records(d)[-1]
    assert record == {
        "MaHoSo": d.code,
        "MaTTHC": "1.001193",
        "TenTTHC": "Thủ tục đăng ký khai sinh",
        "MaLinhVuc": "HO_TICH",
        "KenhThucHien": 2,
        "ChuHoSo": "Nguyễn Văn An",
        "LoaiDoiTuong": 1,
        "SoGiayToChuHoSo": "025090001234",
        "DinhDanhCHS": "025090001234",
        "TrichYeuHoSo": "Đăng ký khai sinh cho con",
        "NgayTiepNhan": "20260302100000",
        "NgayHenTra": "20260303100000",
        "TrangThaiHoSo": 2,
        "NgayTra": "",
        "HinhThuc": 3,
        "DonViXuLy": cast.committee.code,
        "TaiLieuNop": [
            {
                "TenTepDinhKem": "Tờ khai theo mẫu",
                "MaThanhPhanHoSo": "1",
                "DuocSoHoa": 0,
                "DuocTaiSuDung": 0,
            }
        ],
        "DanhSachLePhi": [],
        "DanhSachHoSoBoSung": [],
        "DanhSachGiayToKetQua": [],
        "HoSoCoThanhPhanSoHoa": 0,
        "TaiKhoanDuocXacThucVoiVNeID": 0,
        "DuocThanhToanTrucTuyen": 0,
        "PhienBan": 2,
    }


def test_every_status_code_in_order_with_the_dates_known_at_each_event(cast, clock):
    d = file_online(cast, "1.000110")  # 15 working days, partial online
    services.request_supplement(dossier=d.code, actor=cast.clerk, items=["Bản sao CCCD"])
    clock.now = at(2026, 3, 3, 9, 0)
    services.supplement(dossier=d.code, actor=cast.citizen)
    clock.now = at(2026, 3, 3, 10, 0)
    services.receive(dossier=d.code, actor=cast.clerk)
    services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    services.request_payment(dossier=d.code, actor=cast.specialist, amount=50000)
    clock.now = at(2026, 3, 4, 10, 0)
    services.confirm_payment(dossier=d.code, actor=cast.clerk, paid_online=True)
    services.hand_over(dossier=d.code, actor=cast.specialist, assignee=cast.leader.pk)
    clock.now = at(2026, 3, 5, 10, 0)
    services.approve(dossier=d.code, actor=cast.leader, e_result=True)
    clock.now = at(2026, 3, 5, 14, 0)
    services.return_result(dossier=d.code, actor=cast.clerk, method="online")

    rs = records(d)
    assert [r["TrangThaiHoSo"] for r in rs] == [1, 5, 1, 2, 4, 6, 4, 4, 9, 10]
    assert [r["PhienBan"] for r in rs] == list(range(1, 11))
    # Before receipt the portal knows no receipt or due date; after it, always.
    assert rs[0]["NgayTiepNhan"] == "" and rs[0]["NgayHenTra"] == ""
    assert all(r["NgayTiepNhan"] == "20260303100000" for r in rs[3:])
    # The payment pause shifted the due date: the records after it say so.
    assert rs[3]["NgayHenTra"] != rs[6]["NgayHenTra"]
    assert rs[-1]["NgayTra"] == "20260305140000"
    assert all(r["NgayTra"] == "" for r in rs[:-1])
    assert rs[-1]["DuocThanhToanTrucTuyen"] == 1
    assert rs[-1]["DanhSachGiayToKetQua"][0]["LaKetQuaDienTu"] == 1
    assert rs[7]["DanhSachGiayToKetQua"] == []  # no result before the approval
    assert rs[1]["DanhSachHoSoBoSung"][0]["NoiDung"] == "Bản sao CCCD"
    assert rs[1]["DanhSachHoSoBoSung"][0]["NgayBoSung"] == ""
    assert rs[2]["DanhSachHoSoBoSung"][0]["NgayBoSung"] == "20260303090000"


@pytest.mark.parametrize(
    ("steps", "status"),
    [
        ([("refuse_receipt", "clerk", {"reason": "Không thuộc thẩm quyền"})], 3),
        ([("withdraw", "citizen", {})], 7),
        ([("receive", "clerk", {}), ("stop", "leader", {"reason": "Quá hạn bổ sung"})], 8),
    ],
)
def test_the_closing_statuses(cast, steps, status):
    d = file_online(cast)
    for action, who, kwargs in steps:
        getattr(services, action)(dossier=d.code, actor=getattr(cast, who), **kwargs)
    assert records(d)[-1]["TrangThaiHoSo"] == status


def test_a_dossier_never_received_carries_the_time_of_its_check_as_ngaytiepnhan(cast, clock):
    """The portal requires NgayTiepNhan for every status but 1 (the mock refused "" and the
    message went dead). A dossier checked at receipt and refused (3) or asked to supplement (5),
    then withdrawn (7) or stopped (8) before receipt, carries the time of that check; back in
    "new" after the supplement it waits again (""), and a later receipt gives the receipt time
    (docs/portal-sync.md, "The receipt date")."""
    refused = file_online(cast)
    clock.now = at(2026, 3, 2, 10, 15)
    services.refuse_receipt(dossier=refused.code, actor=cast.clerk, reason="Sai thẩm quyền")
    assert [(r["TrangThaiHoSo"], r["NgayTiepNhan"]) for r in records(refused)] == [
        (1, ""),
        (3, "20260302101500"),
    ]

    clock.now = at(2026, 3, 2, 9, 0)
    withdrawn = file_online(cast)
    clock.now = at(2026, 3, 2, 11, 0)
    services.withdraw(dossier=withdrawn.code, actor=cast.citizen)
    assert [(r["TrangThaiHoSo"], r["NgayTiepNhan"]) for r in records(withdrawn)] == [
        (1, ""),
        (7, "20260302110000"),
    ]

    clock.now = at(2026, 3, 2, 9, 0)
    asked = file_online(cast)
    clock.now = at(2026, 3, 2, 9, 30)
    services.request_supplement(dossier=asked.code, actor=cast.clerk, items=["Tờ khai"])
    clock.now = at(2026, 3, 4, 14, 0)
    services.withdraw(dossier=asked.code, actor=cast.citizen)
    assert [(r["TrangThaiHoSo"], r["NgayTiepNhan"]) for r in records(asked)] == [
        (1, ""),
        (5, "20260302093000"),
        (7, "20260302093000"),  # the check at receipt, not the withdrawal
    ]

    clock.now = at(2026, 3, 2, 9, 0)
    stopped = file_online(cast)
    clock.now = at(2026, 3, 2, 9, 45)
    services.request_supplement(dossier=stopped.code, actor=cast.clerk, items=["Tờ khai"])
    clock.now = at(2026, 3, 30, 9, 0)
    services.stop(dossier=stopped.code, actor=cast.leader, reason="Hết hạn bổ sung")
    assert [(r["TrangThaiHoSo"], r["NgayTiepNhan"]) for r in records(stopped)] == [
        (1, ""),
        (5, "20260302094500"),
        (8, "20260302094500"),
    ]

    clock.now = at(2026, 3, 2, 9, 0)
    again = file_online(cast)
    clock.now = at(2026, 3, 2, 9, 30)
    services.request_supplement(dossier=again.code, actor=cast.clerk, items=["Tờ khai"])
    clock.now = at(2026, 3, 3, 8, 0)
    services.supplement(dossier=again.code, actor=cast.citizen)
    clock.now = at(2026, 3, 3, 10, 0)
    services.receive(dossier=again.code, actor=cast.clerk)
    assert [(r["TrangThaiHoSo"], r["NgayTiepNhan"]) for r in records(again)] == [
        (1, ""),
        (5, "20260302093000"),
        (1, ""),
        (2, "20260303100000"),
    ]


def test_counter_intake_is_channel_1_received_and_digitised_once_scanned(cast):
    d = services.counter_intake(
        actor=cast.clerk,
        procedure_code="1.001193",
        applicant=applicant_data(cast),
        summary="Tại quầy",
        components=[{"order": 1}],
    )
    record = records(d)[0]
    assert record["KenhThucHien"] == 1
    assert record["TrangThaiHoSo"] == 2
    assert record["PhienBan"] == 1
    assert record["HinhThuc"] == 1
    assert record["HoSoCoThanhPhanSoHoa"] == 0
    # The clerk scans the paper: the next record says the dossier is digitised.
    scan = SimpleUploadedFile("scan.png", png_bytes(), "image/png")
    files.attach_file(dossier=d.code, order=1, actor=cast.clerk, upload=scan)
    record = records(d)[-1]
    assert record["HoSoCoThanhPhanSoHoa"] == 1
    assert record["TaiLieuNop"][0]["DuocSoHoa"] == 1
    assert record["TrangThaiHoSo"] == 2


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_progress_step_names_the_official_and_the_unit(cast, clock):
    d = file_online(cast)
    services.receive(dossier=d.code, actor=cast.clerk, note="Hồ sơ đầy đủ")
    event = Event.objects.filter(dossier=d, action="receive").get()
    step = mapping.progress_step(Dossier.objects.get(pk=d.pk), event)
    assert step == {
        "NguoiXuLy": "Clerk",
        "ChucDanh": "Cán bộ tiếp nhận",
        "ThoiDiemXuLy": "20260302090000",
        "PhongBanXuLy": cast.centre.name,
        "NoiDungXuLy": "Hồ sơ đầy đủ",
        "TrangThai": 2,
        "NgayBatDau": "20260302090000",
        "NgayKetThucTheoQuyDinh": "20260303090000",
    }


def test_a_step_of_the_system_names_the_system(cast, clock):
    """The watchdog's events record no actor (dossiers/system.py); the portal requires
    NguoiXuLy, so the step names the system instead of sending it empty (the load test saw such
    stops end as dead letters)."""
    from integrations.mockportal.validation import validate_progress

    d = file_online(cast)
    services.receive(dossier=d.code, actor=cast.clerk)
    event = Event.objects.filter(dossier=d, action="receive").get()
    event.actor = None
    step = mapping.progress_step(Dossier.objects.get(pk=d.pk), event)
    assert step["NguoiXuLy"] == "Hệ thống onecua"
    assert (step["ChucDanh"], step["PhongBanXuLy"]) == ("", "")
    assert not validate_progress({"MaHoSo": d.code, "TienDo": [step]})
