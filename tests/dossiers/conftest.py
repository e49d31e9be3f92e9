"""People and places for the lifecycle tests: Phường Việt Trì's centre and People's Committee,
the provincial centre, and Sở Tư pháp."""

from dataclasses import dataclass

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from organisations.models import AdministrativeUnit, Agency, AgencyKind
from organisations.seed import seed_agencies, seed_units
from procedures.catalogue.files import CatalogueFile
from procedures.catalogue.importer import import_catalogue
from tests.conftest import FIELDS, MINI

PASSWORD = "a-long-test-password"
CITIZEN_ID = "025090001234"


@dataclass
class Cast:
    unit: AdministrativeUnit
    centre: Agency  # Trung tâm PVHCC phường Việt Trì
    committee: Agency  # UBND phường Việt Trì
    provincial_centre: Agency
    department: Agency  # Sở Tư pháp
    citizen: User
    other_citizen: User
    clerk: User  # receiving officer at the ward centre
    specialist: User  # processing officer at the ward committee
    leader: User  # leader of the ward committee
    other_clerk: User  # receiving officer at the provincial centre
    other_leader: User  # leader at Sở Tư pháp
    admin: User

    def client(self, user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client


def _user(username, role, agency=None, **extra):
    user = User(username=username, role=role, agency=agency, full_name=username.title(), **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def build_cast() -> Cast:
    """The province, the small catalogue and the people (needs the database)."""
    province, _ = seed_units()
    seed_agencies(province)
    import_catalogue(CatalogueFile(fields=FIELDS, procedures=[dict(r) for r in MINI]))
    unit = AdministrativeUnit.objects.get(name="Phường Việt Trì")
    centre = Agency.objects.get(kind=AgencyKind.COMMUNE_SERVICE_CENTRE, unit=unit)
    committee = Agency.objects.get(kind=AgencyKind.COMMUNE_COMMITTEE, unit=unit)
    provincial_centre = Agency.objects.get(
        kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, parent__kind=AgencyKind.PROVINCIAL_COMMITTEE
    )
    department = Agency.objects.get(name="Sở Tư pháp")
    return Cast(
        unit=unit,
        centre=centre,
        committee=committee,
        provincial_centre=provincial_centre,
        department=department,
        citizen=_user("an", Role.CITIZEN, personal_id=CITIZEN_ID),
        other_citizen=_user("binh", Role.CITIZEN, personal_id="025090009999"),
        clerk=_user("clerk", Role.RECEIVING_OFFICER, centre),
        specialist=_user("specialist", Role.PROCESSING_OFFICER, committee),
        leader=_user("leader", Role.LEADER, committee),
        other_clerk=_user("otherclerk", Role.RECEIVING_OFFICER, provincial_centre),
        other_leader=_user("otherleader", Role.LEADER, department),
        admin=_user("admin", Role.ADMINISTRATOR, is_staff=True, is_superuser=True),
    )


@pytest.fixture
def cast(db) -> Cast:
    return build_cast()


@pytest.fixture(scope="module")
def module_cast(django_db_setup, django_db_blocker):
    """The same cast built once per test module, inside a transaction rolled back when the
    module is done; each test still runs in its own savepoint. A module opts in by overriding
    `cast` with it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_cast()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield world
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


def applicant_data(cast: Cast, **extra) -> dict:
    data = {
        "kind": 1,
        "full_name": "Nguyễn Văn An",
        "personal_id": CITIZEN_ID,
        "phone": "0912345678",
        "email": "an@example.vn",
        "address": "Số 1 đường Hùng Vương",
        "unit": cast.unit.code,
    }
    data.update(extra)
    return data


@pytest.fixture
def submit(cast):
    """Submit an online dossier as the citizen; returns the response body."""

    def _submit(procedure="1.001193", **extra):
        body = {
            "procedure": procedure,
            "applicant": applicant_data(cast),
            "summary": "Đăng ký khai sinh cho con",
            "components": [{"order": 1, "content": "Tờ khai đăng ký khai sinh"}],
        }
        body.update(extra)
        response = cast.client(cast.citizen).post("/api/v1/dossiers/", body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return _submit
