"""GET /api/v1/me/access-log/ (a citizen sees only their own rows, newest first, agencies and
roles but no official's name) and GET /api/v1/access-log/ (administrators search)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accesslog import recording
from accesslog.models import Purpose, ReadKind
from accounts.models import User
from accounts.roles import Role
from dossiers import services
from dossiers.models import Applicant, Dossier
from tests.support.accesslog import CITIZEN_ID, rows

pytestmark = pytest.mark.django_db

MINE = "/api/v1/me/access-log/"
SEARCH = "/api/v1/access-log/"


@pytest.fixture
def read_thrice(cast, received):
    """The ward centre's clerk, the ward committee's leader, then an administrator read the
    citizen's dossier, in that order."""
    for user in (cast.clerk, cast.leader, cast.admin):
        assert cast.client(user).get(f"/api/v1/dossiers/{received.code}/").status_code == 200
    return received


def test_the_citizen_reads_who_looked_at_their_dossier_newest_first(cast, read_thrice):
    response = cast.client(cast.citizen).get(MINE)
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    times = [item["at"] for item in results]
    assert times == sorted(times, reverse=True)
    newest = results[0]
    assert newest["by_administrator"] is True
    assert newest["agency"] is None
    assert newest["role"] == "administrator"
    assert results[1]["agency"] == {"code": cast.committee.code, "name": cast.committee.name}
    official = results[-1]
    assert official == {
        "at": official["at"],
        "dossier": read_thrice.code,
        "kind": "dossier_detail",
        "kind_label": "Chi tiết hồ sơ",
        "object": "",
        "purpose": "api.dossier.retrieve",
        "purpose_label": "Xem chi tiết hồ sơ",
        "role": "receiving_officer",
        "role_label": "Cán bộ tiếp nhận",
        "agency": {"code": cast.centre.code, "name": cast.centre.name},
        "by_administrator": False,
    }
    # No official's name or account anywhere in the answer (the keys are compared above).
    text = response.content.decode()
    for user in (cast.clerk, cast.leader, cast.admin):
        assert f'"{user.full_name}"' not in text


def test_the_citizens_log_is_cursor_paginated(cast, read_thrice):
    client = cast.client(cast.citizen)
    first = client.get(MINE, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    everything = client.get(MINE).json()["results"]
    assert first["results"] + second["results"] == everything
    for bad in ({"page_size": "0"}, {"cursor": "not-ours"}):
        response = client.get(MINE, bad)
        assert response.status_code == 400
        assert set(response.json()["errors"]) == set(bad)


def test_another_citizen_and_officials_see_none_of_them(cast, read_thrice):
    assert cast.client(cast.other_citizen).get(MINE).json()["results"] == []
    # Officials are no data subjects here: their own log is empty.
    assert cast.client(cast.clerk).get(MINE).json()["results"] == []


def test_anonymous_gets_401(api):
    assert api.get(MINE).status_code == 401
    assert api.get(SEARCH).status_code == 401


def test_a_citizen_of_another_dossier_gets_nothing_of_this_one(cast, submit, received):
    # Binh files a dossier of his own; the clerk reads An's.
    services.submit_online(
        actor=cast.other_citizen,
        procedure_code="1.001193",
        applicant={"kind": 1, "full_name": "Trần Bình", "personal_id": "025090009999"},
        summary="Đăng ký khai sinh",
        components=[{"order": 1}],
    )
    assert cast.client(cast.clerk).get(f"/api/v1/dossiers/{received.code}/").status_code == 200
    assert cast.client(cast.other_citizen).get(MINE).json()["results"] == []
    assert len(cast.client(cast.citizen).get(MINE).json()["results"]) == 1


def test_a_dossier_filed_at_the_counter_is_matched_by_the_personal_id(cast, received):
    # A counter dossier for the citizen, linked to no account: found by the key of the ID.
    applicant = Applicant.objects.create(kind=1, full_name="Nguyễn Văn An", personal_id=CITIZEN_ID)
    subject = recording.Subject(
        dossier_code="X-1", identifier=applicant.identifier, account_id=None
    )
    recording.record(cast.clerk, ReadKind.APPLICANT, Purpose.ADMIN_APPLICANT_CHANGE, [subject])
    results = cast.client(cast.citizen).get(MINE).json()["results"]
    assert [item["dossier"] for item in results] == ["X-1"]


def test_the_log_survives_the_anonymisation_of_the_applicant(cast, received):
    assert cast.client(cast.leader).get("/api/v1/dossiers/").status_code == 200
    assert cast.client(cast.clerk).get(f"/api/v1/dossiers/{received.code}/").status_code == 200
    before = [(r.pk, r.subject_key, r.dossier_code) for r in rows()]
    # The applicant's personal data are erased (and the account unlinked).
    Applicant.objects.filter(pk=received.applicant_id).update(
        full_name="(đã ẩn danh)", personal_id="", phone="", email="", address="", account=None
    )
    assert [(r.pk, r.subject_key, r.dossier_code) for r in rows()] == before
    # The citizen still reads them, by the key of the personal ID of their account.
    results = cast.client(cast.citizen).get(MINE).json()["results"]
    assert len(results) == len(before) >= 1


def test_the_log_survives_the_readers_account(cast, received):
    reader = User.objects.create_user(
        "tamthoi", role=Role.RECEIVING_OFFICER, agency=cast.centre, full_name="Cán Bộ Tạm"
    )
    assert cast.client(reader).get(f"/api/v1/dossiers/{received.code}/").status_code == 200
    reader.delete()
    row = rows()[0]
    assert (row.reader_username, row.reader_name, row.reader_agency_code) == (
        "tamthoi",
        "Cán Bộ Tạm",
        cast.centre.code,
    )
    assert cast.client(cast.citizen).get(MINE).json()["results"][0]["role"] == "receiving_officer"


def test_the_citizen_sees_english_labels(cast, received):
    assert cast.client(cast.clerk).get(f"/api/v1/dossiers/{received.code}/").status_code == 200
    item = cast.client(cast.citizen).get(MINE, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert item["kind_label"] == "Dossier details"
    assert item["role_label"] == "Receiving officer"


# --- the administrators' search ----------------------------------------------------------------
def test_only_administrators_search_the_log(cast, read_thrice):
    for user in (cast.citizen, cast.clerk, cast.leader):
        assert cast.client(user).get(SEARCH).status_code == 403
    response = cast.client(cast.admin).get(SEARCH)
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    assert results[-1]["reader"] == {"id": cast.clerk.pk, "username": "clerk", "name": "Clerk"}


def test_the_search_filters(cast, read_thrice, submit):
    other = Dossier.objects.get(code=submit()["code"])
    services.receive(dossier=other, actor=cast.clerk)
    assert cast.client(cast.leader).get("/api/v1/dossiers/").status_code == 200
    admin = cast.client(cast.admin)

    def codes(**params):
        response = admin.get(SEARCH, params)
        assert response.status_code == 200, response.json()
        return [
            (item["reader"]["username"], item["dossier"]) for item in response.json()["results"]
        ]

    assert set(codes(dossier=other.code)) == {("leader", other.code)}
    assert codes(administrators="true") == [("admin", read_thrice.code)]
    assert {r for r, _ in codes(agency=cast.committee.code)} == {"leader"}
    assert {r for r, _ in codes(reader="clerk")} == {"clerk"}
    assert len(codes(kind="dossier_list")) == 2
    assert len(codes(purpose="api.dossier.retrieve")) == 3
    now = timezone.now()
    assert codes(since=(now + timedelta(hours=1)).isoformat()) == []
    assert len(codes(until=(now + timedelta(hours=1)).isoformat())) == 5
    # An offset PostgreSQL does not take is read as the same instant in UTC.
    far = "2026-01-01T00:00:00-22:00"
    assert len(codes(since="2000-01-01T00:00:00-22:00", until=far)) == 0
    for bad in (
        {"administrators": "yes"},
        {"kind": "everything"},
        {"since": "yesterday"},
        {"until": "0001-01-01T00:00:00+23:00"},
    ):
        response = admin.get(SEARCH, bad)
        assert response.status_code == 400
        assert set(response.json()["errors"]) == set(bad)
