"""Seed data of the tenant province: administrative units (vietnam-provinces) and agencies.

Agency identifiers follow the Decision 20/2020 layout: dot-separated groups ending in the
province's level-1 code (settings.ONECUA_PROVINCE_AGENCY_CODE), e.g. `000.00.04.H43`:
- `000.00.00.P`            the provincial People's Committee
- `000.00.NN.P`            provincial departments and vertical agencies (NN = 01..)
- `000.00.40.P`            the provincial public administration service centre,
  `000.0K.40.P`            its area branches (K = 1..3)
- `000.00.CCC.P`           the People's Committee of commune/ward number CCC (101..),
  `000.01.CCC.P`           that commune's public administration service centre
All seeding is idempotent (get-or-create by code).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from vietnam_provinces import Province, ProvinceCode, Ward

from .models import AdministrativeUnit, Agency, AgencyKind, UnitType

# (level-2 group, name, kind) of the provincial agencies after the 2025 reorganisation.
PROVINCIAL_AGENCIES = [
    ("01", "Văn phòng Ủy ban nhân dân tỉnh", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("02", "Sở Nội vụ", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("03", "Sở Tư pháp", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("04", "Sở Tài chính", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("05", "Sở Công Thương", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("06", "Sở Nông nghiệp và Môi trường", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("07", "Sở Xây dựng", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("08", "Sở Khoa học và Công nghệ", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("09", "Sở Giáo dục và Đào tạo", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("10", "Sở Y tế", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("11", "Sở Văn hóa, Thể thao và Du lịch", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("12", "Sở Dân tộc và Tôn giáo", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("13", "Thanh tra tỉnh", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("14", "Ban Quản lý các khu công nghiệp tỉnh", AgencyKind.PROVINCIAL_DEPARTMENT),
    ("21", "Công an tỉnh", AgencyKind.VERTICAL_CENTRAL),
    ("22", "Thuế tỉnh", AgencyKind.VERTICAL_CENTRAL),
    ("23", "Bảo hiểm xã hội tỉnh", AgencyKind.VERTICAL_CENTRAL),
    ("24", "Kho bạc Nhà nước khu vực", AgencyKind.VERTICAL_CENTRAL),
]
SERVICE_CENTRE_GROUP = "40"
# Area branches of the provincial service centre: one in each former province's seat.
SERVICE_CENTRE_BRANCHES = [
    (1, "Chi nhánh Trung tâm Phục vụ hành chính công tỉnh - khu vực Việt Trì", "Phường Việt Trì"),
    (2, "Chi nhánh Trung tâm Phục vụ hành chính công tỉnh - khu vực Vĩnh Yên", "Phường Vĩnh Yên"),
    (3, "Chi nhánh Trung tâm Phục vụ hành chính công tỉnh - khu vực Hòa Bình", "Phường Hòa Bình"),
]
_UNIT_TYPES = {
    "tỉnh": UnitType.PROVINCE,
    "thành phố trung ương": UnitType.CENTRAL_CITY,
    "xã": UnitType.COMMUNE,
    "phường": UnitType.WARD,
    "đặc khu": UnitType.SPECIAL_ZONE,
}


def _with_type(unit: AdministrativeUnit) -> str:
    """ "tỉnh Phú Thọ", "phường Việt Trì", "xã Vĩnh Chân" (for "Ủy ban nhân dân …")."""
    if unit.unit_type == UnitType.PROVINCE:
        return f"tỉnh {unit.name}"
    # "Thành phố Hà Nội", "Phường Việt Trì", "Đặc khu Phú Quốc": lower-case the type word.
    first, _, rest = unit.name.partition(" ")
    return f"{first.lower()} {rest}"


def agency_code(*groups: str) -> str:
    return ".".join([*groups, settings.ONECUA_PROVINCE_AGENCY_CODE])


@transaction.atomic
def seed_units(province_code: int | None = None) -> tuple[AdministrativeUnit, int]:
    """The tenant province and its communes/wards. Returns (province, number created)."""
    code = province_code or settings.ONECUA_PROVINCE_CODE
    source = Province.from_code(ProvinceCode(code))
    province, created = AdministrativeUnit.objects.update_or_create(
        code=int(source.code),
        defaults={
            "name": source.name,
            "unit_type": _UNIT_TYPES[source.division_type.value],
            "codename": source.codename,
            "parent": None,
        },
    )
    existing = set(AdministrativeUnit.objects.values_list("code", flat=True))
    wards = [
        AdministrativeUnit(
            code=int(ward.code),
            name=ward.name,
            unit_type=_UNIT_TYPES[ward.division_type.value],
            codename=ward.codename,
            parent=province,
        )
        for ward in Ward.iter_by_province(source.code)
        if int(ward.code) not in existing
    ]
    AdministrativeUnit.objects.bulk_create(wards)
    return province, len(wards) + int(created)


def _upsert_agency(code: str, name: str, kind: str, unit, parent=None) -> tuple[Agency, bool]:
    return Agency.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "unit": unit, "parent": parent}
    )


@transaction.atomic
def seed_agencies(province: AdministrativeUnit) -> int:
    """Provincial agencies, the service centre and its branches, and per commune a People's
    Committee and a service centre. Returns how many were created."""
    created = 0
    committee, new = _upsert_agency(
        agency_code("000", "00", "00"),
        f"Ủy ban nhân dân {_with_type(province)}",
        AgencyKind.PROVINCIAL_COMMITTEE,
        province,
    )
    created += new
    for group, name, kind in PROVINCIAL_AGENCIES:
        created += _upsert_agency(agency_code("000", "00", group), name, kind, province, committee)[
            1
        ]
    centre, new = _upsert_agency(
        agency_code("000", "00", SERVICE_CENTRE_GROUP),
        "Trung tâm Phục vụ hành chính công tỉnh",
        AgencyKind.PROVINCIAL_SERVICE_CENTRE,
        province,
        committee,
    )
    created += new
    wards = {unit.name: unit for unit in province.children.all()}
    for number, name, ward_name in SERVICE_CENTRE_BRANCHES:
        created += _upsert_agency(
            agency_code("000", f"{number:02d}", SERVICE_CENTRE_GROUP),
            name,
            AgencyKind.PROVINCIAL_SERVICE_CENTRE,
            wards.get(ward_name, province),
            centre,
        )[1]

    existing = set(Agency.objects.values_list("code", flat=True))
    new_agencies = []
    for index, unit in enumerate(province.children.order_by("code"), start=101):
        ubnd_code = agency_code("000", "00", f"{index:03d}")
        if ubnd_code not in existing:
            new_agencies.append(
                Agency(
                    code=ubnd_code,
                    name=f"Ủy ban nhân dân {_with_type(unit)}",
                    kind=AgencyKind.COMMUNE_COMMITTEE,
                    unit=unit,
                )
            )
    Agency.objects.bulk_create(new_agencies)
    created += len(new_agencies)
    committees = {a.unit_id: a for a in Agency.objects.filter(kind=AgencyKind.COMMUNE_COMMITTEE)}
    centres = []
    for index, unit in enumerate(province.children.order_by("code"), start=101):
        code = agency_code("000", "01", f"{index:03d}")
        if code not in existing:
            centres.append(
                Agency(
                    code=code,
                    name=f"Trung tâm Phục vụ hành chính công {_with_type(unit)}",
                    kind=AgencyKind.COMMUNE_SERVICE_CENTRE,
                    unit=unit,
                    parent=committees.get(unit.id),
                )
            )
    Agency.objects.bulk_create(centres)
    return created + len(centres)
