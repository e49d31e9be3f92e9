"""The people and places of the dossier tests (a pytest plugin, registered in tests/conftest.py).

A `Cast` is Phường Việt Trì's centre and People's Committee, the provincial centre, Sở Tư pháp,
and the people who work there or file there, with the small catalogue (tests/support/catalogue.py)
imported. Two worlds hold it:
- `build_small_cast()`: only the two units and six agencies the cast needs (with the Office of
  the provincial People's Committee, which handles province-level procedures), with the seed's
  codes and names. The default: most tests need dossiers, not the province.
- `build_cast()`: the whole seeded province (149 units and 319 agencies of the real seed), for
  tests about the province (scopes over its agency tree, rankings of its communes).

Fixtures: `cast` is the test's: its own small world, or the module's when the module says
`pytestmark = pytest.mark.usefixtures("module_cast")` (the small world built once per module)
or `usefixtures("province_cast")` (the province built once per module); each test still runs
in its own savepoint. Say it for the whole module: once a test has used a module-scoped cast,
it stays until the module's last test. `submit` files an online dossier through the API as the
citizen and returns the response body.

Helpers: `applicant_data(cast, **extra)`, `file_online(cast, ...)` and `at_counter(cast, ...)`
(a dossier through the intake services), `make_user(...)`, `PASSWORD`, `CITIZEN_ID`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from dossiers import services
from dossiers.models import Dossier
from organisations.models import AdministrativeUnit, Agency, AgencyKind, UnitType
from organisations.seed import PROVINCIAL_AGENCIES, SERVICE_CENTRE_GROUP, agency_code

from .catalogue import import_mini, seed_province

PASSWORD = "a-long-test-password"
CITIZEN_ID = "025090001234"
SUMMARY = "Đăng ký khai sinh cho con"
# The tests' hasher (tests/conftest.py): Argon2 would cost ~0.1-0.5 s a user.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


def make_user(username, role, agency=None, **extra) -> User:
    user = User(username=username, role=role, agency=agency, full_name=username.title(), **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def _people(unit, centre, committee, provincial_centre, department) -> Cast:
    return Cast(
        unit=unit,
        centre=centre,
        committee=committee,
        provincial_centre=provincial_centre,
        department=department,
        citizen=make_user("an", Role.CITIZEN, personal_id=CITIZEN_ID),
        other_citizen=make_user("binh", Role.CITIZEN, personal_id="025090009999"),
        clerk=make_user("clerk", Role.RECEIVING_OFFICER, centre),
        specialist=make_user("specialist", Role.PROCESSING_OFFICER, committee),
        leader=make_user("leader", Role.LEADER, committee),
        other_clerk=make_user("otherclerk", Role.RECEIVING_OFFICER, provincial_centre),
        other_leader=make_user("otherleader", Role.LEADER, department),
        admin=make_user("admin", Role.ADMINISTRATOR, is_staff=True, is_superuser=True),
    )


def build_cast() -> Cast:
    """The province, the small catalogue and the people (needs the database)."""
    seed_province()
    import_mini()
    unit = AdministrativeUnit.objects.get(name="Phường Việt Trì")
    return _people(
        unit=unit,
        centre=Agency.objects.get(kind=AgencyKind.COMMUNE_SERVICE_CENTRE, unit=unit),
        committee=Agency.objects.get(kind=AgencyKind.COMMUNE_COMMITTEE, unit=unit),
        provincial_centre=Agency.objects.get(
            kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, parent__kind=AgencyKind.PROVINCIAL_COMMITTEE
        ),
        department=Agency.objects.get(name="Sở Tư pháp"),
    )


def build_small_cast() -> Cast:
    """The same cast in a world of two units and six agencies, with the seed's codes and names
    (tests/support/catalogue.py's `seed_province()` makes 149 units and 319 agencies)."""
    province = AdministrativeUnit.objects.create(
        code=settings.ONECUA_PROVINCE_CODE,
        name="Phú Thọ",
        unit_type=UnitType.PROVINCE,
        codename="phu_tho",
    )
    unit = AdministrativeUnit.objects.create(
        code=7900,
        name="Phường Việt Trì",
        unit_type=UnitType.WARD,
        codename="phuong_viet_tri",
        parent=province,
    )

    def agency(groups, name, kind, unit, parent=None) -> Agency:
        return Agency.objects.create(
            code=agency_code(*groups), name=name, kind=kind, unit=unit, parent=parent
        )

    governor = agency(
        ("000", "00", "00"),
        "Ủy ban nhân dân tỉnh Phú Thọ",
        AgencyKind.PROVINCIAL_COMMITTEE,
        province,
    )
    departments = {}
    # The Office (first by code: the fallback handler of province-level procedures) and Sở Tư pháp.
    for group, name, kind in PROVINCIAL_AGENCIES:
        if group in ("01", "03"):
            departments[name] = agency(("000", "00", group), name, kind, province, governor)
    provincial_centre = agency(
        ("000", "00", SERVICE_CENTRE_GROUP),
        "Trung tâm Phục vụ hành chính công tỉnh",
        AgencyKind.PROVINCIAL_SERVICE_CENTRE,
        province,
        governor,
    )
    # Phường Việt Trì is number 148 of the seed's communes and wards.
    committee = agency(
        ("000", "00", "148"),
        "Ủy ban nhân dân phường Việt Trì",
        AgencyKind.COMMUNE_COMMITTEE,
        unit,
    )
    centre = agency(
        ("000", "01", "148"),
        "Trung tâm Phục vụ hành chính công phường Việt Trì",
        AgencyKind.COMMUNE_SERVICE_CENTRE,
        unit,
        committee,
    )
    import_mini()
    return _people(
        unit=unit,
        centre=centre,
        committee=committee,
        provincial_centre=provincial_centre,
        department=departments["Sở Tư pháp"],
    )


@pytest.fixture
def cast(request, db) -> Cast:
    """The test's cast: the module's when it uses `module_cast` or `province_cast`, else a small
    world of its own."""
    for shared in ("province_cast", "module_cast"):
        if shared in request.fixturenames:
            return request.getfixturevalue(shared)
    return build_small_cast()


def _built_once(build, django_db_blocker):
    """`build()` once for the module, inside a transaction rolled back when the module is done;
    each test still runs in its own savepoint. The rows go back with it, not the Python objects:
    a test that changes a user's attributes saves them (and the savepoint undoes the save)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # Module scope runs before the per-test fast hasher (tests/conftest.py).
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                world = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield world
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_cast(django_db_setup, django_db_blocker):
    """The small world's cast, once per module (`usefixtures("module_cast")`)."""
    yield from _built_once(build_small_cast, django_db_blocker)


@pytest.fixture(scope="module")
def province_cast(django_db_setup, django_db_blocker):
    """The seeded province's cast, once per module (`usefixtures("province_cast")`)."""
    yield from _built_once(build_cast, django_db_blocker)


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


def file_online(
    cast: Cast,
    procedure: str = "1.001193",
    *,
    citizen: User | None = None,
    summary: str = SUMMARY,
    components: list[dict] | None = None,
    **extra,
) -> Dossier:
    """A dossier filed online (status new) by the citizen (or `citizen`), through the service."""
    citizen = citizen or cast.citizen
    return services.submit_online(
        actor=citizen,
        procedure_code=procedure,
        applicant=applicant_data(cast, personal_id=citizen.personal_id),
        summary=summary,
        components=components if components is not None else [{"order": 1}],
        **extra,
    )


def at_counter(
    cast: Cast,
    procedure: str = "1.001193",
    *,
    clerk: User | None = None,
    summary: str = "Hồ sơ tại quầy",
    components: list[dict] | None = None,
    **extra,
) -> Dossier:
    """A dossier taken at the ward centre's counter (status received), through the service."""
    return services.counter_intake(
        actor=clerk or cast.clerk,
        procedure_code=procedure,
        applicant=applicant_data(cast),
        summary=summary,
        components=components if components is not None else [{"order": 1}],
        **extra,
    )


@pytest.fixture
def submit(cast):
    """Submit an online dossier as the citizen through the API; returns the response body."""

    def _submit(procedure="1.001193", **extra):
        body = {
            "procedure": procedure,
            "applicant": applicant_data(cast),
            "summary": SUMMARY,
            "components": [{"order": 1, "content": "Tờ khai đăng ký khai sinh"}],
        }
        body.update(extra)
        response = cast.client(cast.citizen).post("/api/v1/dossiers/", body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return _submit
