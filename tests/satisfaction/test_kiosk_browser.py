"""The counter's kiosk in a real browser (Debian's /usr/bin/chromium, headless, Playwright): the
receiving officer logs in through the dashboard's login page, opens a returned dossier's rating
form, the citizen taps "Rất hài lòng", writes a comment and sends; the page thanks them, the
rating is stored once (channel kiosk), and a second visit says it was already rated. A screenshot
of the form is saved in tmp_path (and copied to $ONECUA_SCREENSHOTS_DIR as kiosk-rating.png when
set: `ONECUA_SCREENSHOTS_DIR=docs/img`)."""

import os
import shutil
from pathlib import Path

import pytest

from dossiers import services
from satisfaction.models import Rating
from tests.support.browser import assert_accessible
from tests.support.cast import PASSWORD, applicant_data, build_cast

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.django_db(transaction=True)


def _chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("/usr/bin/chromium is missing on CI (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


def test_a_citizen_rates_at_the_counter(transactional_db, monkeypatch, live_server, tmp_path):
    _chromium_or_skip()
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
    shot = tmp_path / "kiosk-rating.png"
    kiosk = f"{live_server.url}/quay/danh-gia/{d.code}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page(locale="vi-VN", viewport={"width": 1100, "height": 900})
            errors: list[str] = []
            page.on(
                "response",
                lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )
            page.goto(kiosk)
            expect(page).to_have_url(
                f"{live_server.url}/dashboard/login/?next=/quay/danh-gia/{d.code}/"
            )
            page.fill("#id_username", cast.clerk.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("h2")).to_contain_text("Đánh giá mức độ hài lòng")
            expect(page.locator(".dossier")).to_contain_text(d.code)
            assert_accessible(page)
            page.click("label.level-very_satisfied")
            page.fill("textarea[name=comment_attitude]", "Cán bộ hướng dẫn tận tình")
            page.screenshot(path=str(shot), full_page=True)
            page.click("#send")
            expect(page.locator("#thanks")).to_contain_text("Cảm ơn")
            assert_accessible(page)
            page.goto(kiosk)
            expect(page.locator("#already")).to_be_visible()
            assert errors == []
        finally:
            browser.close()
    rating = Rating.objects.get(dossier=d)
    assert (rating.level, rating.channel, rating.submitted_by_id) == (
        "very_satisfied",
        "kiosk",
        cast.clerk.pk,
    )
    assert rating.comment_attitude == "Cán bộ hướng dẫn tận tình"
    if keep := os.environ.get("ONECUA_SCREENSHOTS_DIR"):
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(keep) / "kiosk-rating.png")
