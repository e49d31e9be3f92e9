"""The hosted payment page driven once in a real browser (issue 13 §5): Debian's Chromium,
headless, against pytest-django's live server serving onecua and the mock platform. The citizen
starts the payment through the API, the browser opens the hosted page, picks a bank and
confirms; the mock's notification comes back to the IPN endpoint and the dossier is paid, and
the browser lands on onecua's tracking page."""

import os
import shutil
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from dossiers.models import Dossier
from payments.models import Payment
from tests.support.browser import assert_accessible
from tests.support.cast import build_small_cast, file_online
from tests.support.fees import with_fees

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.payment_mock]


def _chromium_or_skip() -> None:
    if CHROMIUM.exists() or shutil.which(str(CHROMIUM)):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("/usr/bin/chromium is missing on CI (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


def test_the_citizen_pays_on_the_hosted_page_in_a_browser(live_server, monkeypatch, settings):
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.ALLOWED_HOSTS = ["*"]
    cast = build_small_cast()
    code = with_fees("1.001193")
    dossier = file_online(cast, code)
    api = APIClient()
    api.force_authenticate(cast.citizen)
    back = f"{live_server.url}/tra-cuu/?code={dossier.code}"
    response = api.post(
        f"/api/v1/dossiers/{dossier.code}/payments/", {"return_url": back}, format="json"
    )
    assert response.status_code == 201, response.json()
    payment_url = response.json()["payment_url"]
    assert payment_url.startswith(live_server.url)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page(locale="vi-VN")
            page.goto(payment_url)
            assert dossier.code in page.content()
            assert_accessible(page)
            page.locator("input[name=bank_code]").first.check()
            page.get_by_role("button", name="Xác nhận thanh toán").click()
            page.wait_for_url(f"{live_server.url}/tra-cuu/**")
            assert_accessible(page)
            if os.environ.get("ONECUA_SCREENSHOTS_DIR"):
                page.screenshot(path=str(Path(os.environ["ONECUA_SCREENSHOTS_DIR"]) / "pay.png"))
        finally:
            browser.close()
    payment = Payment.objects.get(reference=response.json()["reference"])
    assert payment.status == "paid", list(payment.messages.values_list("kind", "code"))
    assert Dossier.objects.get(pk=dossier.pk).paid_online
