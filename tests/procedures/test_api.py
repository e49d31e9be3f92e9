"""The public catalogue API: listing, filters, diacritic-free search, detail, stats, errors."""

import pytest

from procedures.models import Procedure, ProcedureStatus

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def codes(response):
    return [item["code"] for item in response.json()["results"]]


def test_list_is_public_and_cursor_paginated_without_a_count(api, mini_catalogue):
    response = api.get("/api/v1/procedures/", {"page_size": 4})
    assert response.status_code == 200
    body = response.json()
    assert "count" not in body
    assert codes(response) == ["1.000110", "1.000656", "1.001193", "1.004227"]
    following = api.get(body["next"])
    assert codes(following) == ["1.009972", "2.000488"]
    assert following.json()["next"] is None


def test_list_shows_vietnamese_labels_and_time(api, mini_catalogue):
    item = api.get("/api/v1/procedures/", {"q": "khai tu"}).json()["results"][0]
    assert item["service_level_display"] == "Toàn trình"
    assert item["level_display"] == "Cấp xã"
    assert item["field"] == {"code": "HO_TICH", "name": "Hộ tịch"}
    assert item["processing_time"]["value"] == 1
    assert item["processing_time"]["unit"] == "working_days"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"service_level": "offline"}, ["1.009972"]),
        ({"service_level": "partial"}, ["1.000110", "1.004227"]),
        ({"level": "province"}, ["1.004227", "1.009972"]),
        ({"field": "DAT_DAI"}, ["1.004227"]),
        ({"agency_kind": "provincial_department"}, ["1.004227", "1.009972"]),
        ({"level": "commune", "field": "HO_TICH", "service_level": "full"}, None),
    ],
)
def test_filters(api, mini_catalogue, params, expected):
    response = api.get("/api/v1/procedures/", params)
    assert response.status_code == 200
    if expected is None:
        expected = ["1.000656", "1.001193", "2.000488"]
    assert codes(response) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"service_level": "online"},
        {"level": "district"},
        {"field": "NO_SUCH_FIELD"},
        {"agency_kind": "ministry"},
        {"page_size": "abc", "cursor": "not-a-cursor"},
    ],
)
def test_unknown_filter_values_are_400_problems(api, mini_catalogue, params):
    response = api.get("/api/v1/procedures/", params)
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == response.status_code
    assert body["code"]
    assert body["title"]


def test_bad_filter_reports_the_field(api, mini_catalogue):
    body = api.get("/api/v1/procedures/", {"level": "district"}).json()
    assert body["code"] == "invalid"
    assert "level" in body["errors"]


def test_search_ignores_diacritics_and_ranks_the_exact_name_first(api, mini_catalogue):
    response = api.get("/api/v1/procedures/", {"q": "dang ky khai sinh"})
    assert response.status_code == 200
    found = codes(response)
    assert found[0] == "1.001193"  # "Đăng ký khai sinh" before the longer variant
    assert set(found) == {"1.001193", "1.000110"}


def test_search_with_diacritics_and_d_stroke(api, mini_catalogue):
    assert codes(api.get("/api/v1/procedures/", {"q": "Đăng ký đất đai"})) == ["1.004227"]
    assert codes(api.get("/api/v1/procedures/", {"q": "DANG KY DAT DAI"})) == ["1.004227"]


def test_search_requires_every_word(api, mini_catalogue):
    assert codes(api.get("/api/v1/procedures/", {"q": "khai sinh xay dung"})) == []


def test_search_by_national_code(api, mini_catalogue):
    assert codes(api.get("/api/v1/procedures/", {"q": "1.0011"})) == ["1.001193"]


def test_search_matches_the_last_word_as_a_prefix(api, mini_catalogue):
    # Typing in progress: "sa" is the start of "sao".
    assert codes(api.get("/api/v1/procedures/", {"q": "chung thuc ban sa"})) == ["2.000488"]


def test_search_combines_with_filters_and_paginates(api, mini_catalogue):
    first = api.get("/api/v1/procedures/", {"q": "dang ky", "page_size": 1})
    assert first.status_code == 200
    seen = codes(first)
    url = first.json()["next"]
    while url:
        page = api.get(url)
        seen += codes(page)
        url = page.json()["next"]
    assert sorted(seen) == ["1.000110", "1.000656", "1.001193", "1.004227"]
    filtered = api.get("/api/v1/procedures/", {"q": "dang ky", "level": "province"})
    assert codes(filtered) == ["1.004227"]


def test_search_with_only_punctuation_finds_nothing(api, mini_catalogue):
    response = api.get("/api/v1/procedures/", {"q": "%%% ***"})
    assert response.status_code == 200
    assert codes(response) == []


def test_detail_has_components_steps_and_fees(api, mini_catalogue):
    response = api.get("/api/v1/procedures/1.004227/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Đăng ký đất đai, tài sản gắn liền với đất lần đầu"
    assert body["fees"] == [
        {"name": "Lệ phí cấp giấy chứng nhận", "amount": 100000, "kind": "le_phi"}
    ]
    assert [s["role"] for s in body["steps"]] == ["receive", "specialist", "leader", "return"]
    assert sum(s["share"] for s in body["steps"]) == 100
    assert body["components"][0]["name"] == "Tờ khai theo mẫu"
    assert body["local_code"] == "1.004227.000.00.00.H43"


def test_unknown_or_draft_procedure_is_404(api, mini_catalogue):
    response = api.get("/api/v1/procedures/9.999999/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "not_found"
    Procedure.objects.filter(code="1.001193").update(status=ProcedureStatus.DRAFT)
    assert api.get("/api/v1/procedures/1.001193/").status_code == 404


def test_stats_counts_published_procedures(api, mini_catalogue):
    Procedure.objects.filter(code="1.000656").update(status=ProcedureStatus.DRAFT)
    body = api.get("/api/v1/procedures/stats/").json()
    assert body["total"] == 5
    assert body["by_service_level"] == {"full": 2, "partial": 2, "offline": 1}
    assert body["by_level"] == {"province": 2, "commune": 3}
    assert body["by_service_level_and_level"]["offline"] == {"province": 1, "commune": 0}


def test_fields_listing(api, mini_catalogue):
    body = api.get("/api/v1/fields/").json()
    assert [f["code"] for f in body["results"]] == ["DAT_DAI", "HO_TICH", "XAY_DUNG"]


def test_units_and_agencies(api, province):
    units = api.get("/api/v1/units/", {"parent": province.code, "page_size": 200}).json()
    assert len(units["results"]) == 148
    assert {u["unit_type"] for u in units["results"]} == {"xa", "phuong"}
    wards = api.get("/api/v1/units/", {"unit_type": "phuong", "page_size": 200}).json()
    assert len(wards["results"]) == 15

    centres = api.get(
        "/api/v1/agencies/", {"kind": "provincial_service_centre", "page_size": 50}
    ).json()["results"]
    assert len(centres) == 4  # the centre and its three area branches
    assert all(a["code"].endswith(".H43") for a in centres)
    viet_tri = api.get("/api/v1/units/", {"q": "Việt Trì"}).json()["results"][0]
    local = api.get("/api/v1/agencies/", {"unit": viet_tri["code"]}).json()["results"]
    assert {a["kind"] for a in local} >= {"commune_committee", "commune_service_centre"}


def test_agencies_unknown_unit_is_400(api, province):
    response = api.get("/api/v1/agencies/", {"unit": "99999999"})
    assert response.status_code == 400
    assert "unit" in response.json()["errors"]


def test_unknown_api_path_is_a_json_problem(api, db):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "not_found"


def test_write_methods_are_refused(api, mini_catalogue):
    response = api.post("/api/v1/procedures/", {"code": "1.000001"}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_schema_and_docs_are_served(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/procedures/" in schema.content
    assert client.get("/api/docs/").status_code == 200
