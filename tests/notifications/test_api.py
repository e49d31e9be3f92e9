"""The inbox and the preferences over the API: each user only their own, newest first, cursor
pagination, read/unread, problem+json errors."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from notifications.models import Notification, Preference

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/notifications/"
PREFS = "/api/v1/me/notification-preferences/"


def test_anonymous_is_refused():
    for response in (
        APIClient().get(URL),
        APIClient().post(URL + "read/", {}, format="json"),
        APIClient().get(PREFS),
        APIClient().put(PREFS, {}, format="json"),
    ):
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/problem+json")


def test_the_inbox_newest_first_only_ones_own(cast, dossier_factory):
    d = dossier_factory(status="received")
    citizen = cast.client(cast.citizen)
    body = citizen.get(URL).json()
    kinds = [n["kind"] for n in body["results"]]
    assert kinds == ["received", "submitted"]
    assert all(n["dossier"] == d.code and n["read"] is False for n in body["results"])
    # Another citizen sees nothing of it, and cannot mark it read.
    other = cast.client(cast.other_citizen)
    assert other.get(URL).json()["results"] == []
    first = body["results"][0]["id"]
    response = other.post(f"{URL}{first}/read/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert Notification.objects.get(pk=first).read_at is None


def test_mark_read_one_and_all_and_filter_unread(cast, dossier_factory):
    dossier_factory(status="processing")
    citizen = cast.client(cast.citizen)
    ids = [n["id"] for n in citizen.get(URL).json()["results"]]
    assert len(ids) == 2
    assert citizen.post(f"{URL}{ids[0]}/read/").json()["read"] is True
    assert [n["id"] for n in citizen.get(URL + "?unread=true").json()["results"]] == ids[1:]
    assert citizen.post(URL + "read/", {}, format="json").json() == {"marked": 1}
    assert citizen.get(URL + "?unread=true").json()["results"] == []


def test_officials_have_an_inbox_too(cast, dossier_factory):
    dossier_factory(status="processing")
    body = cast.client(cast.specialist).get(URL).json()
    assert [n["kind"] for n in body["results"]] == ["assigned"]


def test_pagination_is_a_cursor(cast, dossier_factory):
    dossier_factory(status="returned")
    citizen = cast.client(cast.citizen)
    page = citizen.get(URL + "?page_size=2").json()
    assert len(page["results"]) == 2 and page["next"]
    second = citizen.get(page["next"]).json()
    assert len(second["results"]) == 2
    assert not {n["id"] for n in page["results"]} & {n["id"] for n in second["results"]}


def test_bad_input_is_a_problem(cast):
    citizen = cast.client(cast.citizen)
    response = citizen.post(URL + "read/", {"ids": ["x"]}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    response = citizen.put(PREFS, {"email": "maybe", "language": "fr"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"email", "language"}


def test_preferences_read_and_change(cast, dossier_factory):
    citizen = cast.client(cast.citizen)
    assert citizen.get(PREFS).json() | {"updated_at": None} == {
        "email": True,
        "sms": True,
        "zalo": False,
        "only_required": False,
        "language": "vi",
        "updated_at": None,
    }
    body = {"email": False, "sms": False, "zalo": True, "only_required": True, "language": "en"}
    assert citizen.put(PREFS, body, format="json").status_code == 200
    assert Preference.objects.get(user=cast.citizen).zalo is True
    d = dossier_factory(status="received")
    channels = {
        (n.kind, n.channel) for n in Notification.objects.filter(dossier=d, audience="applicant")
    }
    assert channels == {("received", "inbox"), ("received", "zalo")}
