"""Validation of what the portal receives. Every function returns {field: [messages]} listing ALL
problems (empty when the payload is acceptable)."""

from __future__ import annotations

import re
from datetime import datetime

DATE_RE = re.compile(r"^\d{14}$")
ID12_RE = re.compile(r"^\d{12}$")
# An organisation's tax code (mã số thuế / mã số doanh nghiệp): 10 digits, or 10 + "-" + 3 for
# a branch (Circular 105/2020/TT-BTC art. 5).
TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")
DATE_FORMAT = "%Y%m%d%H%M%S"

REQUIRED_TEXT = ("MaHoSo", "MaTTHC", "TenTTHC", "ChuHoSo", "TrichYeuHoSo")
OPTIONAL_TEXT = ("MaLinhVuc", "DonViXuLy")
# SoGiayToChuHoSo: the owner's document, a person's 12-digit personal ID, or an organisation's
# (LoaiDoiTuong 2-4) tax code; DinhDanhCHS: always a person's personal ID.
OPTIONAL_ID12 = ("DinhDanhCHS",)
OPTIONAL_DATES = ("NgayHenTra", "NgayTra")
FLAGS = ("HoSoCoThanhPhanSoHoa", "TaiKhoanDuocXacThucVoiVNeID", "DuocThanhToanTrucTuyen")
LISTS = ("DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua")
DOCUMENT_TEXT = ("TenTepDinhKem", "MaThanhPhanHoSo")
DOCUMENT_FLAGS = ("DuocSoHoa", "DuocTaiSuDung")

STEP_REQUIRED_TEXT = ("NguoiXuLy", "NoiDungXuLy")
STEP_OPTIONAL_TEXT = ("ChucDanh", "PhongBanXuLy")
STEP_OPTIONAL_DATES = ("NgayBatDau", "NgayKetThucTheoQuyDinh")

REQUIRED = "Trường bắt buộc."


class Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_absent(value) -> bool:
    return value is None or value == ""


def valid_date(value) -> bool:
    if not isinstance(value, str) or not DATE_RE.match(value):
        return False
    try:
        datetime.strptime(value, DATE_FORMAT)
    except ValueError:
        return False
    return True


def _text(errors: Errors, data: dict, field: str, *, required: bool, prefix: str = "") -> None:
    value = data.get(field)
    if value is None:
        if required:
            errors.add(prefix + field, REQUIRED)
        return
    if not isinstance(value, str):
        errors.add(prefix + field, "Phải là chuỗi ký tự.")
    elif required and not value.strip():
        errors.add(prefix + field, "Không được để trống.")


def _int_in(errors: Errors, data: dict, field: str, allowed: range, prefix: str = "") -> None:
    value = data.get(field)
    if value is None:
        errors.add(prefix + field, REQUIRED)
    elif not is_int(value) or value not in allowed:
        errors.add(prefix + field, f"Phải là số nguyên từ {allowed.start} đến {allowed.stop - 1}.")


def _date(errors: Errors, data: dict, field: str, *, required: bool, prefix: str = "") -> None:
    value = data.get(field)
    if is_absent(value):
        if required:
            errors.add(prefix + field, REQUIRED)
        return
    if not valid_date(value):
        errors.add(
            prefix + field, "Ngày giờ phải có dạng yyyyMMddHHmmss (14 chữ số, ngày có thật)."
        )


def _flag(errors: Errors, data: dict, field: str, prefix: str = "") -> None:
    value = data.get(field)
    if value is not None and (not is_int(value) or value not in (0, 1)):
        errors.add(prefix + field, "Phải là 0 hoặc 1.")


def validate_record(data: dict) -> Errors:
    errors = Errors()
    for field in REQUIRED_TEXT:
        _text(errors, data, field, required=True)
    for field in OPTIONAL_TEXT:
        _text(errors, data, field, required=False)
    _int_in(errors, data, "KenhThucHien", range(1, 4))
    _int_in(errors, data, "LoaiDoiTuong", range(1, 5))
    _int_in(errors, data, "TrangThaiHoSo", range(1, 11))

    phien_ban = data.get("PhienBan")
    if phien_ban is None:
        errors.add("PhienBan", REQUIRED)
    elif not is_int(phien_ban) or phien_ban < 1:
        errors.add("PhienBan", "Phải là số nguyên ≥ 1.")

    # NgayTiepNhan: required, "" only while the dossier is status 1 (new, awaiting the check at
    # receipt). Every other status follows a check at receipt (or a withdrawal before it), so
    # it has a date: for a dossier never received (3, and 5/7/8 before receipt), that of the
    # check or withdrawal (README.md, "NgayTiepNhan").
    received = data.get("NgayTiepNhan")
    if received is None:
        errors.add("NgayTiepNhan", REQUIRED)
    elif received == "":
        if data.get("TrangThaiHoSo") != 1:
            errors.add(
                "NgayTiepNhan",
                "Chỉ được để trống khi TrangThaiHoSo = 1 (chờ tiếp nhận); hồ sơ đã kiểm tra "
                "tiếp nhận (kể cả từ chối, yêu cầu bổ sung, rút hoặc dừng trước khi tiếp "
                "nhận) phải có ngày.",
            )
    elif not valid_date(received):
        errors.add(
            "NgayTiepNhan", "Ngày giờ phải có dạng yyyyMMddHHmmss (14 chữ số, ngày có thật)."
        )

    for field in OPTIONAL_DATES:
        _date(errors, data, field, required=False)
    owner_document = data.get("SoGiayToChuHoSo")
    if not is_absent(owner_document):
        organisation = data.get("LoaiDoiTuong") in (2, 3, 4)
        if not isinstance(owner_document, str) or not (
            ID12_RE.match(owner_document) or (organisation and TAX_CODE_RE.match(owner_document))
        ):
            errors.add(
                "SoGiayToChuHoSo",
                "Số giấy tờ của chủ hồ sơ phải là số định danh cá nhân (12 chữ số)"
                + (" hoặc mã số thuế của tổ chức." if organisation else "."),
            )
    for field in OPTIONAL_ID12:
        value = data.get(field)
        if not is_absent(value) and not (isinstance(value, str) and ID12_RE.match(value)):
            errors.add(field, "Số định danh cá nhân phải gồm đúng 12 chữ số.")
    for field in FLAGS:
        _flag(errors, data, field)

    return_method = data.get("HinhThuc")
    if return_method is not None and not (is_int(return_method) or isinstance(return_method, str)):
        errors.add("HinhThuc", "Phải là số nguyên hoặc chuỗi ký tự.")

    documents = data.get("TaiLieuNop")
    if documents is not None:
        if not isinstance(documents, list):
            errors.add("TaiLieuNop", "Phải là danh sách.")
        else:
            for index, item in enumerate(documents):
                prefix = f"TaiLieuNop[{index}]."
                if not isinstance(item, dict):
                    errors.add(f"TaiLieuNop[{index}]", "Phải là đối tượng JSON.")
                    continue
                for field in DOCUMENT_TEXT:
                    _text(errors, item, field, required=False, prefix=prefix)
                for field in DOCUMENT_FLAGS:
                    _flag(errors, item, field, prefix=prefix)
    for field in LISTS:
        value = data.get(field)
        if value is not None and not isinstance(value, list):
            errors.add(field, "Phải là danh sách.")
    return errors


def validate_progress(data: dict) -> Errors:
    errors = Errors()
    _text(errors, data, "MaHoSo", required=True)
    steps = data.get("TienDo")
    if steps is None:
        errors.add("TienDo", REQUIRED)
        return errors
    if not isinstance(steps, list) or not steps:
        errors.add("TienDo", "Phải là danh sách không rỗng.")
        return errors
    for index, item in enumerate(steps):
        prefix = f"TienDo[{index}]."
        if not isinstance(item, dict):
            errors.add(f"TienDo[{index}]", "Phải là đối tượng JSON.")
            continue
        for field in STEP_REQUIRED_TEXT:
            _text(errors, item, field, required=True, prefix=prefix)
        for field in STEP_OPTIONAL_TEXT:
            _text(errors, item, field, required=False, prefix=prefix)
        _date(errors, item, "ThoiDiemXuLy", required=True, prefix=prefix)
        for field in STEP_OPTIONAL_DATES:
            _date(errors, item, field, required=False, prefix=prefix)
        _int_in(errors, item, "TrangThai", range(1, 11), prefix=prefix)
    return errors
