"""The service centre's API (issue 15 §1): every endpoint's permissions (anonymous 401; a
citizen sees only their own appointments; an official acts only at their own centre, any other
user gets a 404), problem+json errors with Vietnamese messages, bad input never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from servicecentre import services
from servicecentre.models import Appointment, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.clock(2026, 3, 2, 9, 0)]
PROBLEM = "application/problem+json"


def client(user=None) -> APIClient:
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def official_endpoints(hall, ticket_id):
    base = f"/api/v1/centres/{hall.centre.pk}"
    return [
        ("get", f"{base}/tickets/", None),
        ("post", f"{base}/tickets/", {"group": hall.a.pk}),
        ("post", f"{base}/check-in/", {"token": "x"}),
        ("get", f"{base}/figures/", None),
        ("post", f"{base}/counters/1/session/", None),
        ("delete", f"{base}/counters/1/session/", None),
        ("post", f"{base}/counters/1/call-next/", None),
        *[
            ("post", f"{base}/tickets/{ticket_id}/{action}/", body)
            for action, body in [
                ("recall", None),
                ("skip", None),
                ("start", None),
                ("finish", None),
                ("transfer", {"counter": 2}),
                ("link", {"dossier": "x"}),
            ]
        ],
    ]


def test_anonymous_gets_401_on_every_non_public_endpoint(hall):
    ticket = services.issue_ticket(hall.a)
    endpoints = [
        *official_endpoints(hall, ticket.pk),
        ("get", "/api/v1/appointments/", None),
        ("post", "/api/v1/appointments/", {"slot": 1}),
        ("get", "/api/v1/appointments/1/", None),
        ("post", "/api/v1/appointments/1/cancel/", None),
    ]
    for method, url, body in endpoints:
        response = getattr(client(), method)(url, body, format="json")
        assert response.status_code == 401, (method, url)
        assert response["Content-Type"].startswith(PROBLEM)


@pytest.mark.parametrize("who", ["other_clerk", "citizen", "leader", "other_leader"])
def test_nobody_but_the_centres_officials_acts_at_its_counters(hall, who):
    ticket = services.issue_ticket(hall.a)
    user = getattr(hall.cast, who)
    for method, url, body in official_endpoints(hall, ticket.pk):
        response = getattr(client(user), method)(url, body, format="json")
        assert response.status_code == 404, (who, method, url, response.status_code)
        assert response["Content-Type"].startswith(PROBLEM)
    assert Ticket.objects.count() == 1


def test_an_official_runs_a_counter_through_the_api(hall):
    clerk = client(hall.cast.clerk)
    base = f"/api/v1/centres/{hall.centre.pk}"
    issued = clerk.post(f"{base}/tickets/", {"group": hall.a.pk}, format="json")
    assert issued.status_code == 201 and issued.data["label"] == "A-001"
    no_session = clerk.post(f"{base}/counters/1/call-next/")
    assert no_session.status_code == 409 and no_session.data["code"] == "no_session"
    assert "Hãy mở phiên làm việc" in no_session.data["detail"]
    assert clerk.post(f"{base}/counters/1/session/").status_code == 201
    called = clerk.post(f"{base}/counters/1/call-next/")
    assert called.status_code == 200 and called.data["status"] == "called"
    tid = called.data["id"]
    assert clerk.post(f"{base}/tickets/{tid}/recall/").data["calls"] == 2
    assert clerk.post(f"{base}/tickets/{tid}/start/").data["status"] == "serving"
    bad = clerk.post(f"{base}/tickets/{tid}/transfer/", {"counter": 99}, format="json")
    assert bad.status_code == 400 and bad.data["code"] == "invalid_counter"
    bad = clerk.post(f"{base}/tickets/{tid}/transfer/", {"counter": "x"}, format="json")
    assert bad.status_code == 400 and "counter" in bad.data["errors"]
    bad = clerk.post(f"{base}/tickets/{tid}/link/", {"dossier": "nope"}, format="json")
    assert bad.status_code == 400 and bad.data["code"] == "invalid_dossier"
    assert clerk.post(f"{base}/tickets/{tid}/finish/").data["status"] == "done"
    empty = clerk.post(f"{base}/counters/1/call-next/")
    assert empty.status_code == 404 and empty.data["code"] == "queue_empty"
    assert clerk.get(f"{base}/tickets/").data[0]["label"] == "A-001"
    assert clerk.post(f"{base}/tickets/999999/recall/").status_code == 404
    assert clerk.post(f"{base}/counters/9/call-next/").status_code == 404
    assert clerk.delete(f"{base}/counters/1/session/").status_code == 200
    figures = clerk.get(f"{base}/figures/?from=2026-03-01&to=2026-03-02")
    assert figures.status_code == 200 and figures.data["total"]["served"] == 1
    assert figures.data["from"] == "2026-03-01"
    for query in ("from=2026-03-05&to=2026-03-01", "from=tomorrow", "to=2026-13-01"):
        bad = clerk.get(f"{base}/figures/?{query}")
        assert bad.status_code == 400 and bad["Content-Type"].startswith(PROBLEM), query
    assert client(hall.cast.admin).get(f"{base}/figures/").status_code == 200


def test_public_centres_and_slots(hall):
    anonymous = client()
    centres = anonymous.get("/api/v1/centres/")
    assert centres.status_code == 200
    assert {c["id"] for c in centres.data["results"]} == {hall.centre.pk, hall.other_centre.pk}
    url = f"/api/v1/centres/{hall.centre.pk}/slots/"
    slots = anonymous.get(url, {"group": hall.b.pk, "date": "2026-03-03"})
    assert slots.status_code == 200 and len(slots.data) == 15 and slots.data[0]["free"] == 1
    for query in (
        {},
        {"group": "x", "date": "2026-03-03"},
        {"group": hall.b.pk, "date": "03/03/2026"},
        {"group": hall.b.pk, "date": "2025-01-01"},
        {"group": hall.other_centre.groups.get().pk, "date": "2026-03-03"},
    ):
        bad = anonymous.get(url, query)
        assert bad.status_code == 400 and bad["Content-Type"].startswith(PROBLEM), query
    assert (
        anonymous.get(
            "/api/v1/centres/99999/slots/", {"group": 1, "date": "2026-03-03"}
        ).status_code
        == 404
    )


def test_a_citizen_books_lists_and_cancels_only_their_own(hall):
    url = f"/api/v1/centres/{hall.centre.pk}/slots/"
    slot = client().get(url, {"group": hall.b.pk, "date": "2026-03-03"}).data[2]
    an, binh = client(hall.cast.citizen), client(hall.cast.other_citizen)
    booked = an.post(
        "/api/v1/appointments/", {"slot": slot["id"], "note": "Cấp sổ đỏ"}, format="json"
    )
    assert booked.status_code == 201 and booked.data["status"] == "booked"
    assert booked.data["qr_token"]
    full = binh.post("/api/v1/appointments/", {"slot": slot["id"]}, format="json")
    assert full.status_code == 409 and full["Content-Type"].startswith(PROBLEM)
    assert full.data["code"] == "slot_full" and "Khung giờ đã đủ số lượt hẹn" in full.data["detail"]
    twice = an.post("/api/v1/appointments/", {"slot": slot["id"]}, format="json")
    assert twice.status_code == 409 and twice.data["code"] == "already_booked"
    pk = booked.data["id"]
    assert [a["id"] for a in an.get("/api/v1/appointments/").data["results"]] == [pk]
    assert binh.get("/api/v1/appointments/").data["results"] == []
    assert binh.get(f"/api/v1/appointments/{pk}/").status_code == 404
    assert binh.post(f"/api/v1/appointments/{pk}/cancel/").status_code == 404
    assert an.get(f"/api/v1/appointments/{pk}/").data["id"] == pk
    assert an.post(f"/api/v1/appointments/{pk}/cancel/").data["status"] == "cancelled"
    assert an.post(f"/api/v1/appointments/{pk}/cancel/").status_code == 409
    for body in ({}, {"slot": "x"}, {"slot": 99999}, {"slot": slot["id"], "note": "x" * 301}):
        bad = an.post("/api/v1/appointments/", body, format="json")
        assert bad.status_code == 400 and bad["Content-Type"].startswith(PROBLEM), body
    official = client(hall.cast.clerk).post(
        "/api/v1/appointments/", {"slot": slot["id"]}, format="json"
    )
    assert official.status_code == 403
    assert Appointment.objects.filter(status="booked").count() == 0


def test_check_in_through_the_api(hall, citizen_slot, clock):
    from tests.support.clock import at

    appointment = citizen_slot(hall.a, at(2026, 3, 2, 9, 30))
    token = services.appointment_token(appointment)
    other = client(hall.cast.other_clerk).post(
        f"/api/v1/centres/{hall.other_centre.pk}/check-in/", {"token": token}, format="json"
    )
    assert other.status_code == 404
    mine = client(hall.cast.clerk).post(
        f"/api/v1/centres/{hall.centre.pk}/check-in/", {"token": token}, format="json"
    )
    assert mine.status_code == 201 and mine.data["priority"] is True
