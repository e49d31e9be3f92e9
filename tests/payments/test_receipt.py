"""The e-receipt (issue 13 §3): a PDF per paid payment with the fee lines, the payer, the
reference and a QR code of the public verification page, which shows no personal data."""

import pytest

from payments.models import Payment
from tests.support.cast import file_online
from tests.support.payments import notify
from tests.support.pdf import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(cast, fee_procedure, platform):
    dossier = file_online(cast, fee_procedure)
    response = cast.client(cast.citizen).post(
        f"/api/v1/dossiers/{dossier.code}/payments/", {}, format="json"
    )
    reference = response.json()["reference"]
    return dossier, reference


def url(dossier, reference):
    return f"/api/v1/dossiers/{dossier.code}/payments/{reference}/receipt/"


def test_a_paid_payment_has_its_receipt_and_a_pending_one_none(cast, paid, platform, client):
    dossier, reference = paid
    assert cast.client(cast.citizen).get(url(dossier, reference)).status_code == 404
    # The public page says: not paid (yet).
    page = client.get(f"/bien-lai/{reference}/")
    assert page.status_code == 200 and "chưa được ghi nhận" in page.content.decode()

    notify(platform.notification(reference))
    response = cast.client(cast.citizen).get(url(dossier, reference))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        reference,
        dossier.code,
        "Nguyễn Văn An",
        "Phí thẩm định hồ sơ",
        "Lệ phí cấp giấy",
        "28.000 đ",
        f"/bien-lai/{reference}/",
    ):
        assert expected in text, expected
    # The dossier's officials get it too; strangers do not.
    assert cast.client(cast.clerk).get(url(dossier, reference)).status_code == 200
    assert cast.client(cast.other_citizen).get(url(dossier, reference)).status_code == 404
    assert cast.client(cast.other_clerk).get(url(dossier, reference)).status_code == 404

    page = client.get(f"/bien-lai/{reference}/").content.decode()
    assert "Biên lai hợp lệ" in page and dossier.code in page
    assert "Nguyễn Văn An" not in page  # no personal data on the public page
    assert client.get("/bien-lai/OCNOSUCH/").status_code == 404


def test_the_receipt_names_the_right_payment(cast, paid, platform):
    dossier, reference = paid
    notify(platform.notification(reference))
    other = Payment.objects.exclude(reference=reference).first()
    assert other is None
    response = cast.client(cast.citizen).get(url(dossier, "OC" + "0" * 18))
    assert response.status_code == 404
