"""Fees on the dossier (issue 13 §1, docs/payments.md): the owed lines frozen with the terms,
when they are collected, exemptions and reductions with a reason and a legal basis (Law on Fees
and Charges 2015 art. 10), payment at the counter and the payment pause — all through HTTP."""

import pytest
from django.urls import reverse

from dossiers.models import Dossier, DossierFee, Event
from procedures.models import FeeMode
from tests.support.cast import at_counter, file_online
from tests.support.dossiers import DossierFactory
from tests.support.fees import TOTAL, with_fees

pytestmark = pytest.mark.django_db


def url(code, action=""):
    return f"/api/v1/dossiers/{code}/" + (f"{action.replace('_', '-')}/" if action else "")


def detail(cast, user, code):
    response = cast.client(user).get(url(code))
    assert response.status_code == 200
    return response.json()


def post(cast, user, code, action, body):
    return cast.client(user).post(url(code, action), body, format="json")


EXEMPT = {"line": 1, "exempt": True, "reason": "Người khuyết tật", "legal_basis": "Điều 10"}


# --- the owed lines and when they are collected ----------------------------------------------
def test_online_filing_of_a_full_procedure_with_a_fixed_fee_owes_it_at_submission(
    cast, fee_procedure
):
    dossier = file_online(cast, fee_procedure)
    data = detail(cast, cast.citizen, dossier.code)
    assert data["fee_collection"] == "submission"
    assert data["fees_owed"] is True
    assert [
        (f["order"], f["name"], f["kind"], f["amount"], f["amount_due"], f["status"])
        for f in data["fee_lines"]
    ] == [
        (1, "Phí thẩm định hồ sơ", "phi", 20000, 20000, "owed"),
        (2, "Lệ phí cấp giấy", "le_phi", 8000, 8000, "owed"),
    ]
    assert {f["payer"] for f in data["fee_lines"]} == {"Nguyễn Văn An"}


def test_a_later_catalogue_change_does_not_change_what_is_owed(cast, fee_procedure):
    dossier = file_online(cast, fee_procedure)
    with_fees(fee_procedure, [{"name": "Phí mới", "amount": 99000, "kind": "phi"}])
    assert sum(f.amount_due for f in DossierFee.objects.filter(dossier=dossier)) == TOTAL


def test_at_the_counter_a_fixed_fee_is_collected_at_receipt(cast, fee_procedure):
    dossier = at_counter(cast, fee_procedure)
    assert detail(cast, cast.clerk, dossier.code)["fee_collection"] == "receipt"


def test_a_fee_set_by_regulation_is_collected_on_request(cast):
    with_fees(
        "1.001193", [{"name": "Lệ phí", "amount": None, "kind": "le_phi"}], mode=FeeMode.REGULATION
    )
    dossier = file_online(cast)
    data = detail(cast, cast.citizen, dossier.code)
    assert data["fee_collection"] == "request"
    assert data["fee_lines"][0]["amount_due"] is None


def test_a_free_procedure_owes_nothing(cast):
    dossier = file_online(cast)
    data = detail(cast, cast.citizen, dossier.code)
    assert (data["fee_collection"], data["fee_lines"], data["fees_owed"]) == (None, [], False)
    response = post(cast, cast.clerk, dossier.code, "adjust_fee", EXEMPT)
    assert (response.status_code, response.json()["code"]) == (409, "no_fee_owed")


# --- exemptions and reductions ------------------------------------------------------------------
def test_an_official_exempts_a_line_with_reason_and_legal_basis(cast, fee_procedure):
    dossier = file_online(cast, fee_procedure)
    response = post(cast, cast.clerk, dossier.code, "adjust_fee", EXEMPT)
    assert response.status_code == 200, response.json()
    line = response.json()["fee_lines"][0]
    assert (line["status"], line["amount_due"], line["adjustment_legal_basis"]) == (
        "exempt",
        0,
        "Điều 10",
    )
    assert response.json()["fees_owed"] is True  # the second line is still owed
    event = Event.objects.filter(dossier=dossier, action="adjust_fee").get()
    assert event.actor == cast.clerk and event.note == "Người khuyết tật"
    assert event.payload["amount_due_before"] == 20000 and event.payload["status"] == "exempt"
    # Exempt once: the line is no longer owed.
    again = post(cast, cast.clerk, dossier.code, "adjust_fee", EXEMPT)
    assert (again.status_code, again.json()["code"]) == (409, "fee_not_owed")
    # Exempting the last line leaves nothing owed: the action is no longer offered.
    post(cast, cast.clerk, dossier.code, "adjust_fee", {**EXEMPT, "line": 2})
    data = detail(cast, cast.clerk, dossier.code)
    assert data["fees_owed"] is False and "adjust_fee" not in data["available_actions"]


def test_a_reduction_leaves_the_reduced_amount_owed(cast, fee_procedure):
    dossier = file_online(cast, fee_procedure)
    body = {"line": 1, "amount_due": 10000, "reason": "Hộ nghèo", "legal_basis": "NQ HĐND"}
    response = post(cast, cast.clerk, dossier.code, "adjust_fee", body)
    assert response.status_code == 200, response.json()
    line = response.json()["fee_lines"][0]
    assert (line["status"], line["amount_due"], line["reduced"]) == ("owed", 10000, True)
    # A "reduction" must reduce.
    response = post(cast, cast.clerk, dossier.code, "adjust_fee", {**body, "amount_due": 10000})
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert "amount_due" in response.json()["errors"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({**EXEMPT, "legal_basis": ""}, "legal_basis"),
        ({**EXEMPT, "reason": "   "}, "reason"),
        ({k: v for k, v in EXEMPT.items() if k != "legal_basis"}, "legal_basis"),
        ({**EXEMPT, "exempt": False}, "amount_due"),
        ({**EXEMPT, "line": 9}, "line"),
        ({**EXEMPT, "line": "một"}, "line"),
        ({**EXEMPT, "amount_due": -1, "exempt": False}, "amount_due"),
    ],
)
def test_bad_adjustments_are_refused_and_change_nothing(cast, fee_procedure, body, field):
    dossier = file_online(cast, fee_procedure)
    response = post(cast, cast.clerk, dossier.code, "adjust_fee", body)
    assert response.status_code == 400, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]
    assert not Event.objects.filter(dossier=dossier, action="adjust_fee").exists()
    assert set(DossierFee.objects.filter(dossier=dossier).values_list("status", flat=True)) == {
        "owed"
    }


def test_the_citizen_cannot_exempt_themselves_and_other_agencies_see_nothing(cast, fee_procedure):
    dossier = file_online(cast, fee_procedure)
    assert post(cast, cast.citizen, dossier.code, "adjust_fee", EXEMPT).status_code == 403
    assert post(cast, cast.other_clerk, dossier.code, "adjust_fee", EXEMPT).status_code == 404
    assert post(cast, cast.admin, dossier.code, "adjust_fee", EXEMPT).status_code == 403


# --- the payment pause, counter payment ----------------------------------------------------------
def test_a_payment_request_with_an_amount_is_owed_and_paying_at_the_counter_resumes(cast, clock):
    dossier = DossierFactory(cast=cast, status="processing")
    response = post(cast, cast.leader, dossier.code, "request_payment", {"amount": 50000})
    assert response.json()["status"] == "awaiting_payment"
    assert [(f["amount_due"], f["status"]) for f in response.json()["fee_lines"]] == [
        (50000, "owed")
    ]
    due = Dossier.objects.get(pk=dossier.pk).due_at
    clock.advance(hours=2)
    body = {"method": "cash", "receipt_number": "BL-0001"}
    response = post(cast, cast.clerk, dossier.code, "collect_fee", body)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "processing" and data["fees_owed"] is False
    assert [(f["status"], f["method"], f["reference"]) for f in data["fee_lines"]] == [
        ("paid", "cash", "BL-0001")
    ]
    assert data["paid_online"] is False
    # The clock shifted by the office time the dossier waited.
    assert Dossier.objects.get(pk=dossier.pk).due_at > due
    event = Event.objects.filter(dossier=dossier, action="collect_fee").get()
    assert (event.from_status, event.to_status) == ("awaiting_payment", "processing")
    assert event.payload["amount"] == 50000 and event.payload["lines"] == [1]


def test_paying_at_receipt_keeps_the_status(cast, fee_procedure):
    dossier = at_counter(cast, fee_procedure)
    response = post(cast, cast.clerk, dossier.code, "collect_fee", {"method": "card"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "received"
    assert {f["status"] for f in response.json()["fee_lines"]} == {"paid"}
    again = post(cast, cast.clerk, dossier.code, "collect_fee", {"method": "card"})
    assert (again.status_code, again.json()["code"]) == (409, "no_fee_owed")


def test_bad_counter_payments_are_refused(cast, fee_procedure):
    dossier = at_counter(cast, fee_procedure)
    for body in ({}, {"method": "online"}, {"method": "cash", "extra": 1}):
        response = post(cast, cast.clerk, dossier.code, "collect_fee", body)
        assert response.status_code == 400, (body, response.json())
    assert set(DossierFee.objects.filter(dossier=dossier).values_list("status", flat=True)) == {
        "owed"
    }


def test_a_fee_not_yet_determined_cannot_be_collected(cast):
    with_fees(
        "1.001193", [{"name": "Lệ phí", "amount": None, "kind": "le_phi"}], mode=FeeMode.REGULATION
    )
    dossier = at_counter(cast)
    response = post(cast, cast.clerk, dossier.code, "collect_fee", {"method": "cash"})
    assert (response.status_code, response.json()["code"]) == (409, "fee_amount_unknown")


def test_exempting_everything_asked_for_ends_the_payment_pause(cast):
    dossier = DossierFactory(cast=cast, status="awaiting_payment")
    response = post(cast, cast.leader, dossier.code, "adjust_fee", EXEMPT)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "processing"
    assert dossier.pauses.get().closed_at is not None


def test_confirming_the_payment_settles_what_is_owed(cast):
    dossier = DossierFactory(cast=cast, status="awaiting_payment")
    response = post(cast, cast.leader, dossier.code, "confirm_payment", {"paid_online": False})
    assert response.status_code == 200
    assert {f["status"] for f in response.json()["fee_lines"]} == {"paid"}
    assert response.json()["fees_owed"] is False


# --- the admin's action pages ------------------------------------------------------------------
def test_the_admin_offers_the_fee_actions_with_their_forms(client, cast, fee_procedure):
    dossier = at_counter(cast, fee_procedure)
    cast.clerk.is_staff = True
    cast.clerk.save(update_fields=["is_staff"])
    client.force_login(cast.clerk)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk]))
    assert 'data-action="adjust_fee"' in page.content.decode()
    action = reverse("admin:dossiers_dossier_action", args=[dossier.pk, "adjust_fee"])
    form = client.get(action)
    assert form.status_code == 200 and "Căn cứ pháp lý" in form.content.decode()
    response = client.post(
        action, {"line": "2", "exempt": "on", "reason": "Trẻ em", "legal_basis": "Điều 10"}
    )
    assert response.status_code == 302
    assert DossierFee.objects.get(dossier=dossier, order=2).status == "exempt"
    action = reverse("admin:dossiers_dossier_action", args=[dossier.pk, "collect_fee"])
    response = client.post(action, {"method": "cash", "receipt_number": "BL-7"})
    assert response.status_code == 302
    assert DossierFee.objects.get(dossier=dossier, order=1).reference == "BL-7"


# --- refunds ----------------------------------------------------------------------------------
def test_a_dossier_refused_after_payment_owes_a_refund_until_the_accountant_records_it(cast):
    dossier = DossierFactory(cast=cast, status="awaiting_payment")
    post(cast, cast.clerk, dossier.code, "collect_fee", {"method": "cash"})
    response = post(cast, cast.leader, dossier.code, "refuse", {"reason": "Không đủ điều kiện"})
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["refund_pending"] is True
    assert [f["status"] for f in data["fee_lines"]] == ["refund_requested"]
    event = Event.objects.get(dossier=dossier, action="refuse")
    assert event.payload["refund_requested"] == {"lines": [1], "amount": 50000}
    # The accountant (an official of the dossier's agencies) records the refund.
    assert "record_refund" in detail(cast, cast.clerk, dossier.code)["available_actions"]
    response = post(cast, cast.citizen, dossier.code, "record_refund", {})
    assert response.status_code == 403
    response = post(cast, cast.clerk, dossier.code, "record_refund", {"voucher": "PC-12"})
    assert response.status_code == 200, response.json()
    assert [f["status"] for f in response.json()["fee_lines"]] == ["refunded"]
    assert response.json()["refund_pending"] is False
    assert Event.objects.get(dossier=dossier, action="record_refund").payload["voucher"] == "PC-12"
    again = post(cast, cast.clerk, dossier.code, "record_refund", {})
    assert (again.status_code, again.json()["code"]) == (409, "no_refund_pending")


def test_withdrawing_after_paying_requests_a_refund_and_without_paying_nothing(cast, fee_procedure):
    paid = at_counter(cast, fee_procedure)
    post(cast, cast.clerk, paid.code, "collect_fee", {"method": "card"})
    unpaid = at_counter(cast, fee_procedure)
    for dossier in (paid, unpaid):
        response = post(cast, cast.clerk, dossier.code, "withdraw", {"reason": "Công dân rút"})
        assert response.status_code == 200, response.json()
    assert detail(cast, cast.clerk, paid.code)["refund_pending"] is True
    data = detail(cast, cast.clerk, unpaid.code)
    assert data["refund_pending"] is False and "record_refund" not in data["available_actions"]
    assert {f["status"] for f in data["fee_lines"]} == {"owed"}


def test_the_portal_record_lists_the_dossiers_fee_lines_after_exemptions(cast, fee_procedure):
    from integrations.portal.mapping import dossier_record

    dossier = file_online(cast, fee_procedure)
    post(cast, cast.clerk, dossier.code, "adjust_fee", EXEMPT)
    d = Dossier.objects.get(pk=dossier.pk)
    record = dossier_record(d, Event.objects.filter(dossier=d).latest("at", "id"))
    assert record["DanhSachLePhi"] == [
        {"TenPhiLePhi": "Phí thẩm định hồ sơ", "MucPhi": 0, "LoaiPhiLePhi": "phi"},
        {"TenPhiLePhi": "Lệ phí cấp giấy", "MucPhi": 8000, "LoaiPhiLePhi": "le_phi"},
    ]
