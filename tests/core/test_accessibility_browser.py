"""The public pages the other browser tests do not open, checked by axe-core in Debian's
chromium (issue 15 §3: "no serious or critical violation on every page"): the signed rating link
(/danh-gia/<token>/), the signed payment link (/thanh-toan/<token>/), a queue ticket followed on a
phone (/so-thu-tu/<token>/), a citizen's appointments (/lich-hen/) and a forged link's page."""

from __future__ import annotations

import pytest

from dossiers import services
from payments import services as payments
from satisfaction import services as satisfaction
from servicecentre import services as queue
from tests.servicecentre.conftest import build_hall
from tests.support.browser import assert_accessible, chromium_or_skip, launch
from tests.support.cast import PASSWORD, applicant_data, build_cast

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.payment_mock]


def test_the_public_link_pages_are_accessible(transactional_db, monkeypatch, live_server):
    chromium_or_skip()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    hall = build_hall(build_cast())
    cast = hall.cast
    returned = services.submit_online(
        actor=cast.citizen,
        procedure_code="1.001193",
        applicant=applicant_data(cast),
        summary="Đăng ký khai sinh",
        components=[{"order": 1}],
    )
    services.receive(dossier=returned.code, actor=cast.clerk)
    services.assign(dossier=returned.code, actor=cast.leader, assignee=cast.specialist.pk)
    services.request_payment(
        dossier=returned.code, actor=cast.specialist, amount=50000, note="Lệ phí"
    )
    pay_path = f"/thanh-toan/{payments.link_token(returned)}/"
    ticket = queue.issue_ticket(hall.a)
    base = live_server.url
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(locale="vi-VN", viewport={"width": 412, "height": 915})
            page.goto(base + pay_path)
            expect(page.locator("main")).to_contain_text("50.000 đ")
            assert_accessible(page)

            page.goto(f"{base}/so-thu-tu/{queue.ticket_token(ticket)}/")
            expect(page.locator("main")).to_contain_text(ticket.label)
            assert_accessible(page)

            page.goto(f"{base}/danh-gia/forged-token/")
            assert_accessible(page)  # the refusal page too

            page.goto(f"{base}/lich-hen/")
            page.fill("#id_username", cast.citizen.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/lich-hen/")
            assert_accessible(page)
        finally:
            browser.close()


def test_the_rating_link_page_is_accessible(transactional_db, monkeypatch, live_server):
    chromium_or_skip()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    cast = build_cast()
    d = services.submit_online(
        actor=cast.citizen,
        procedure_code="1.001193",
        applicant=applicant_data(cast),
        summary="Đăng ký khai sinh",
        components=[{"order": 1}],
    )
    services.receive(dossier=d.code, actor=cast.clerk)
    services.assign(dossier=d.code, actor=cast.leader, assignee=cast.specialist.pk)
    services.hand_over(dossier=d.code, actor=cast.specialist, assignee=cast.leader.pk)
    services.approve(dossier=d.code, actor=cast.leader)
    services.return_result(dossier=d.code, actor=cast.clerk)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(locale="vi-VN", viewport={"width": 412, "height": 915})
            page.goto(f"{live_server.url}/danh-gia/{satisfaction.link_token(d)}/")
            expect(page.locator(".dossier")).to_contain_text(d.code)
            assert_accessible(page)
        finally:
            browser.close()
