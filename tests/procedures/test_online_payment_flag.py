"""The catalogue's "online payment offered" flag (`Procedure.online_payment`, Decision 766
"Thủ tục có phí được triển khai thanh toán trực tuyến"; docs/indicators.md, "Online payment
offered"): a new procedure with a fixed fee starts with it, re-imports keep the province's
choice, the catalogue API shows and filters it, the admin edits it on a draft version."""

import json

import pytest
from django.core.management import call_command

from procedures.models import FeeMode, Procedure, ProcedureStatus
from procedures.services import draft_new_version

pytestmark = pytest.mark.django_db

FIELDS = [{"code": "HO_TICH", "name": "Hộ tịch"}]


def _row(code, **overrides):
    data = {
        "code": code,
        "name": f"Thủ tục thử nghiệm {code}",
        "field_code": "HO_TICH",
        "level": "commune",
        "service_level": "full",
        "processing_time_value": 5,
        "components": [{"name": "Tờ khai", "originals": 1, "copies": 0}],
        "steps": [{"name": "Xử lý", "role": "specialist", "share": 100}],
        "fees": [],
    }
    data.update(overrides)
    return data


def _import(tmp_path, rows, name="c.json"):
    path = tmp_path / name
    document = {"format": "onecua-catalogue", "version": 1, "fields": FIELDS, "procedures": rows}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    call_command("import_catalogue", str(path), no_progress=True, stdout=None)


def test_a_new_fixed_fee_procedure_offers_online_payment_and_reimports_keep_the_choice(tmp_path):
    fee = [{"name": "Lệ phí", "amount": 8000, "kind": "le_phi"}]
    rows = [
        _row("1.000001", fee_mode="fixed", fees=fee),
        _row("1.000002", fee_mode="regulation", fees=fee),
        _row("1.000003", fee_mode="free"),
    ]
    _import(tmp_path, rows)
    flags = dict(Procedure.objects.values_list("code", "online_payment"))
    assert flags == {"1.000001": True, "1.000002": False, "1.000003": False}
    # The province switches the first one off; a changed row re-imported keeps that.
    Procedure.objects.filter(code="1.000001").update(online_payment=False)
    rows[0] = _row("1.000001", fee_mode="fixed", fees=fee, processing_time_value=7)
    _import(tmp_path, rows, "c2.json")
    first = Procedure.objects.get(code="1.000001")
    assert first.processing_time_value == 7 and first.online_payment is False


def test_the_catalogue_api_shows_and_filters_the_flag(api, mini_catalogue):
    # The mini catalogue's only fixed-fee procedure is the land registration.
    fixed = Procedure.objects.get(code="1.004227")
    assert fixed.fee_mode == FeeMode.FIXED and fixed.online_payment
    item = api.get("/api/v1/procedures/1.004227/").json()
    assert item["online_payment"] is True
    listed = api.get("/api/v1/procedures/", {"online_payment": "true"}).json()["results"]
    assert [i["code"] for i in listed] == ["1.004227"]
    assert all(i["online_payment"] is True for i in listed)
    others = api.get("/api/v1/procedures/", {"online_payment": "false", "page_size": 50}).json()
    assert "1.004227" not in {i["code"] for i in others["results"]}
    assert api.get("/api/v1/procedures/", {"online_payment": "maybe"}).status_code == 400


def test_the_admin_edits_the_flag_on_a_draft_and_filters_by_it(admin_client, mini_catalogue):
    published = Procedure.objects.get(code="1.001193", status=ProcedureStatus.PUBLISHED)
    assert published.online_payment is False
    # A version in force is read-only; a new draft carries the flag as a field.
    page = admin_client.get(f"/admin/procedures/procedure/{published.pk}/change/")
    assert 'name="online_payment"' not in page.content.decode()
    draft = draft_new_version(procedure=published)
    page = admin_client.get(f"/admin/procedures/procedure/{draft.pk}/change/").content.decode()
    assert 'name="online_payment"' in page
    assert "triển khai thanh toán trực tuyến" in page.lower()
    listing = admin_client.get("/admin/procedures/procedure/", {"online_payment__exact": 1})
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "1.004227" in body and "1.001193" not in body
