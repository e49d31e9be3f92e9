"""The official forms in the admin: links on the dossier's page to the forms that apply, their
download within the user's scope, and the logbook page (Mẫu 07)."""

import csv
import io
import re

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier
from tests.support.pdf import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("module_cast"), pytest.mark.clock()]


def login(client, user):
    # Always saved: the cast is shared by the module and each test's changes are rolled back.
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


def form_links(content: str) -> list[str]:
    return re.findall(r'data-form="(\d\d)"', content)


def form_url(dossier, number):
    return reverse("admin:dossiers_dossier_form", args=[dossier.pk, number])


LOGBOOK = "admin:dossiers_dossier_logbook"


@pytest.fixture
def received(cast, submit) -> Dossier:
    dossier = Dossier.objects.get(code=submit()["code"])
    services.receive(dossier=dossier, actor=cast.clerk)
    return Dossier.objects.get(pk=dossier.pk)


def test_the_dossier_page_links_the_forms_that_apply(client, cast, received):
    login(client, cast.clerk)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[received.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert form_links(content) == ["01", "06"]
    assert form_url(received, "01") in content
    assert "Mẫu 01 – Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in content

    services.stop(dossier=received, actor=cast.clerk, reason="Quá hạn bổ sung hồ sơ")
    page = client.get(reverse("admin:dossiers_dossier_change", args=[received.pk]))
    assert form_links(page.content.decode()) == ["01", "05", "06"]


def test_a_form_downloads_as_pdf_within_scope(client, cast, received):
    login(client, cast.clerk)
    response = client.get(form_url(received, "01"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (f'attachment; filename="mau-01-{received.code}.pdf"')
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in pdf_text(response.content)

    # A form that does not apply: back to the page with the reason.
    response = client.get(form_url(received, "03"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:dossiers_dossier_change", args=[received.pk])
    assert client.get(form_url(received, "42")).status_code == 404

    # An officer of another centre does not see the dossier at all.
    other = login(client.__class__(), cast.other_clerk)
    assert other.get(form_url(received, "01")).status_code == 404


def test_the_logbook_page_and_its_downloads(client, cast, received):
    login(client, cast.clerk)
    listing = client.get(reverse("admin:dossiers_dossier_changelist"))
    assert reverse(LOGBOOK) in listing.content.decode()

    page = client.get(reverse(LOGBOOK))
    assert page.status_code == 200
    # The clerk chooses among their own agency only.
    choices = [code for code, _ in page.context["form"].fields["agency"].choices if code]
    assert [str(c) for c in choices] == [cast.centre.code]

    received_on = received.received_at.astimezone().date().isoformat()
    query = {
        "agency": cast.centre.code,
        "date_from": received_on,
        "date_to": received_on,
        "format": "csv",
    }
    response = client.get(reverse(LOGBOOK), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    assert [row[1] for row in rows[1:]] == [received.code]

    response = client.get(reverse(LOGBOOK), {**query, "format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    assert "SỔ THEO DÕI HỒ SƠ" in pdf_text(response.content)

    # Bad input stays on the page with the errors.
    bad = client.get(reverse(LOGBOOK), {**query, "date_to": "2000-01-01"})
    assert bad.status_code == 200
    assert "date_to" in bad.context["form"].errors


def test_the_logbook_page_refuses_other_agencies_and_non_officials(client, cast):
    login(client, cast.clerk)
    response = client.get(
        reverse(LOGBOOK),
        {
            "agency": cast.provincial_centre.code,
            "date_from": "2026-03-01",
            "date_to": "2026-03-31",
            "format": "csv",
        },
    )
    # Not among the choices: a form error, no file.
    assert response.status_code == 200
    assert "agency" in response.context["form"].errors

    citizen = login(client.__class__(), cast.other_citizen)
    assert citizen.get(reverse(LOGBOOK)).status_code in (302, 403)
