"""The counter panel and the citizen's appointments page through Django's test client (the
browser test drives them in chromium): login, the official's own centre only, each action's
message, bad input answered on the page."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from servicecentre import services
from servicecentre.models import Appointment, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.clock(2026, 3, 2, 9, 0)]


def test_the_counter_panel_needs_an_official_of_a_centre(hall, client):
    home = reverse("servicecentre:counter-home")
    assert client.get(home)["Location"].startswith(reverse("dashboard:login"))
    client.force_login(hall.cast.citizen)
    assert client.get(home).status_code == 403
    client.force_login(hall.cast.specialist)  # the ward committee: no centre
    assert client.get(home).status_code == 403
    client.force_login(hall.cast.other_clerk)
    # The provincial centre's official cannot open the ward centre's counter.
    assert client.get(reverse("servicecentre:counter", args=[hall.one.pk])).status_code == 404


def test_an_official_works_a_day_on_the_panel(hall, client):
    client.force_login(hall.cast.clerk)
    home = reverse("servicecentre:counter-home")
    assert "Quầy 1" in client.get(home).content.decode()
    assert client.post(home, {"counter": "x"}).status_code == 400
    response = client.post(home, {"counter": hall.one.pk})
    panel = reverse("servicecentre:counter", args=[hall.one.pk])
    assert response["Location"] == panel
    assert client.get(home)["Location"] == panel  # the open session is remembered

    def act(action, **data):
        return client.post(
            reverse("servicecentre:counter-action", args=[hall.one.pk, action]), data
        )

    empty = act("call")
    assert empty.status_code == 404 and "Không còn ai đang chờ" in empty.content.decode()
    services.issue_ticket(hall.a)
    services.issue_ticket(hall.a)
    assert "Đã gọi số A-001" in act("call").content.decode()
    assert "Đã gọi lại số A-001" in act("recall").content.decode()
    assert act("transfer", to_counter="x").status_code == 400
    assert "Bắt đầu phục vụ số A-001" in act("start").content.decode()
    assert act("link", dossier="nope").status_code == 400
    assert "Đã hoàn thành số A-001" in act("finish").content.decode()
    assert "Đã gọi số A-002" in act("call").content.decode()
    assert "Số A-002 vắng mặt" in act("skip").content.decode()
    assert act("unknown").status_code == 404
    assert act("close")["Location"] == home
    assert Ticket.objects.filter(status="done").count() == 1


def test_a_citizen_books_and_cancels_on_the_page(hall, client):
    page = reverse("servicecentre:appointments")
    assert client.get(page)["Location"].startswith(reverse("dashboard:login"))
    client.force_login(hall.cast.clerk)
    assert client.get(page).status_code == 403
    client.force_login(hall.cast.citizen)
    query = f"?centre={hall.centre.pk}&group={hall.b.pk}&date=2026-03-03"
    html = client.get(page + query).content.decode()
    assert "còn 1 chỗ" in html
    slot = services.slots_for(hall.b, date(2026, 3, 3)).first()
    booked = client.post(page + query, {"slot": slot.pk})
    assert booked.status_code == 200 and "Đã đặt lịch hẹn" in booked.content.decode()
    full = client.post(page + query, {"slot": slot.pk})
    assert full.status_code == 409
    appointment = Appointment.objects.get()
    qr = client.get(reverse("servicecentre:appointment-qr", args=[appointment.pk]))
    assert qr["Content-Type"] == "image/svg+xml"
    assert client.post(page, {"slot": "x"}).status_code == 400
    assert client.get(page + "?date=31-02-2026").status_code == 400
    assert client.post(page, {"cancel": appointment.pk}).status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    client.force_login(hall.cast.other_citizen)
    assert (
        client.get(reverse("servicecentre:appointment-qr", args=[appointment.pk])).status_code
        == 404
    )


def test_the_dashboard_shows_the_queue_panel(hall, client):
    services.issue_ticket(hall.a)
    client.force_login(hall.cast.leader)  # the ward committee's leader: the centre is below it
    html = client.get(reverse("dashboard:index")).content.decode()
    assert 'id="queue"' in html and 'data-key="queue_issued_today">1<' in html


def test_the_admin_pages_in_vietnamese(hall, client):
    services.issue_ticket(hall.a)
    client.force_login(hall.cast.admin)
    for model in (
        "centre",
        "servicegroup",
        "counter",
        "countersession",
        "ticket",
        "appointmentslot",
        "appointment",
    ):
        response = client.get(f"/admin/servicecentre/{model}/")
        assert response.status_code == 200, model
    html = client.get("/admin/servicecentre/ticket/").content.decode()
    assert "A-001" in html and "số thứ tự" in html
    ticket_page = client.get(f"/admin/servicecentre/ticket/{Ticket.objects.get().pk}/change/")
    assert ticket_page.status_code == 200 and "Trạng thái" in ticket_page.content.decode()
