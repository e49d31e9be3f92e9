"""Seeding the tenant province: units, agencies, demo accounts; all idempotent."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.seed import seed_demo_accounts
from organisations.models import AdministrativeUnit, Agency, AgencyKind, UnitType
from organisations.seed import agency_code, seed_agencies, seed_units

pytestmark = pytest.mark.django_db


def test_phu_tho_has_148_units_with_official_types():
    province, created = seed_units()
    assert province.name == "Phú Thọ"
    assert province.code == 25
    assert province.unit_type == UnitType.PROVINCE
    children = province.children.all()
    assert children.count() == 148
    assert children.filter(unit_type=UnitType.COMMUNE).count() == 133
    assert children.filter(unit_type=UnitType.WARD).count() == 15
    viet_tri = AdministrativeUnit.objects.get(name="Phường Việt Trì")
    assert viet_tri.unit_type == UnitType.WARD
    assert created == 149
    assert seed_units() == (province, 0)


def test_agencies_follow_decision_20_layout_and_cover_every_commune():
    province, _ = seed_units()
    created = seed_agencies(province)
    assert created == Agency.objects.count()
    assert seed_agencies(province) == 0  # idempotent
    for agency in Agency.objects.all():
        groups = agency.code.split(".")
        assert groups[-1] == "H43", agency.code
        assert all(g.isdigit() for g in groups[:-1]), agency.code
    assert Agency.objects.filter(kind=AgencyKind.COMMUNE_COMMITTEE).count() == 148
    assert Agency.objects.filter(kind=AgencyKind.COMMUNE_SERVICE_CENTRE).count() == 148
    centre = Agency.objects.get(code=agency_code("000", "00", "40"))
    assert centre.children.count() == 3
    assert Agency.objects.get(code=agency_code("000", "00", "03")).name == "Sở Tư pháp"
    committee = Agency.objects.get(kind=AgencyKind.COMMUNE_COMMITTEE, unit__name="Xã Vĩnh Chân")
    assert committee.name == "Ủy ban nhân dân xã Vĩnh Chân"
    local_centre = Agency.objects.get(
        kind=AgencyKind.COMMUNE_SERVICE_CENTRE, unit__name="Phường Việt Trì"
    )
    assert local_centre.name == "Trung tâm Phục vụ hành chính công phường Việt Trì"
    assert local_centre.parent.kind == AgencyKind.COMMUNE_COMMITTEE


def test_province_agency_code_is_a_setting(settings):
    settings.ONECUA_PROVINCE_AGENCY_CODE = "H56"
    province, _ = seed_units()
    seed_agencies(province)
    assert Agency.objects.filter(code="000.00.03.H56").exists()


@pytest.mark.argon2
def test_demo_accounts_one_per_role():
    province, _ = seed_units()
    seed_agencies(province)
    created = seed_demo_accounts("a-long-demo-password")
    assert len(created) == 5
    users = {u.username: u for u in get_user_model().objects.all()}
    assert {u.role for u in users.values()} == {
        "citizen",
        "receiving_officer",
        "processing_officer",
        "leader",
        "administrator",
    }
    assert users["tiepnhan"].agency.kind == AgencyKind.PROVINCIAL_SERVICE_CENTRE
    assert users["lanhdao"].agency == users["chuyenvien"].agency
    assert users["quantri"].is_superuser
    assert not users["congdan"].is_staff
    assert users["congdan"].check_password("a-long-demo-password")
    assert users["congdan"].password.startswith("argon2")
    assert seed_demo_accounts("other") == []


def test_seed_all_twice_is_fine():
    out = io.StringIO()
    call_command("seed_all", "--no-catalogue", stdout=out)
    call_command("seed_all", "--no-catalogue", stdout=out)
    assert AdministrativeUnit.objects.count() == 149
    assert get_user_model().objects.count() == 5
    assert "Demo accounts already exist." in out.getvalue()
