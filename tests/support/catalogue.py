"""A small real catalogue, and the seeded province (a pytest plugin, registered in
tests/conftest.py).

`FIELDS` and `MINI` are three fields and six procedures with real codes and names; `row()` makes
a procedure row of a catalogue file; `import_mini()` imports them through the real importer.
Fixtures: `mini_catalogue` (imported; returns MINI) and `province` (the province's units and
agencies from the real seed; returns the province's unit).
"""

import pytest

from organisations.seed import seed_agencies, seed_units
from procedures.catalogue.files import CatalogueFile
from procedures.catalogue.importer import import_catalogue

FIELDS = [
    {"code": "HO_TICH", "name": "Hộ tịch"},
    {"code": "DAT_DAI", "name": "Đất đai"},
    {"code": "XAY_DUNG", "name": "Hoạt động xây dựng"},
]


def row(code, name, field_code, *, level="commune", service_level="full", days=3, **extra):
    data = {
        "code": code,
        "name": name,
        "field_code": field_code,
        "level": level,
        "service_level": service_level,
        "processing_time_value": days,
        "processing_time_unit": "working_days",
        "fee_mode": "free",
        "components": [{"name": "Tờ khai theo mẫu", "originals": 1, "copies": 0}],
        "steps": [
            {"order": 1, "name": "Tiếp nhận hồ sơ", "role": "receive", "share": 10},
            {"order": 2, "name": "Thẩm định hồ sơ", "role": "specialist", "share": 60},
            {"order": 3, "name": "Phê duyệt kết quả", "role": "leader", "share": 20},
            {"order": 4, "name": "Trả kết quả", "role": "return", "share": 10},
        ],
        "fees": [],
    }
    data.update(extra)
    return data


MINI = [
    row(
        "1.001193",
        "Thủ tục đăng ký khai sinh",
        "HO_TICH",
        days=1,
        result_name="Giấy khai sinh (bản điện tử)",
    ),
    row(
        "1.000110",
        "Thủ tục đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới",
        "HO_TICH",
        days=15,
        service_level="partial",
    ),
    row(
        "1.000656",
        "Thủ tục đăng ký khai tử",
        "HO_TICH",
        days=1,
        components=[
            {"name": "Tờ khai theo mẫu", "originals": 1, "copies": 0},
            # Reusable from the applicant's data store (issue 5).
            {"name": "Giấy khai sinh của người đi đăng ký", "mandatory": False, "reusable": True},
        ],
    ),
    row(
        "1.004227",
        "Đăng ký đất đai, tài sản gắn liền với đất lần đầu",
        "DAT_DAI",
        level="province",
        service_level="partial",
        days=20,
        agency_kind="provincial_department",
        fee_mode="fixed",
        fees=[{"name": "Lệ phí cấp giấy chứng nhận", "amount": 100000, "kind": "le_phi"}],
    ),
    row(
        "1.009972",
        "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt",
        "XAY_DUNG",
        level="province",
        service_level="offline",
        days=20,
        agency_kind="provincial_department",
    ),
    row(
        "2.000488",
        "Chứng thực bản sao từ bản chính",
        "HO_TICH",
        days=4,
        processing_time_unit="working_hours",
    ),
]


def import_mini():
    """The small catalogue, imported through the real importer (needs the database)."""
    return import_catalogue(CatalogueFile(fields=FIELDS, procedures=[dict(r) for r in MINI]))


def seed_province():
    """The province's units and agencies, from the real seed; returns the province's unit."""
    unit, _ = seed_units()
    seed_agencies(unit)
    return unit


@pytest.fixture
def mini_catalogue(db):
    import_mini()
    return MINI


@pytest.fixture
def province(db):
    return seed_province()
