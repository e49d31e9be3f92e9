"""Ratings (issue 14 §3, docs/satisfaction.md): once per dossier, only after the result is
returned or the dossier refused, only by the owner; the signed link and the counter's kiosk."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client

from dossiers import services as dossier_services
from satisfaction import services
from satisfaction.models import Rating

pytestmark = pytest.mark.django_db


def url(dossier):
    return f"/api/v1/dossiers/{dossier.code}/rating/"


def test_the_owner_rates_a_returned_dossier_once(cast, dossier_factory):
    d = dossier_factory(status="returned")
    citizen = cast.client(cast.citizen)
    body = {"level": "very_satisfied", "comment_attitude": "Cán bộ nhiệt tình"}
    r = citizen.post(url(d), body, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["level"] == "very_satisfied"
    assert r.json()["agency"] == d.handling_agency.code
    assert r.json()["channel"] == "api"
    rating = Rating.objects.get(dossier=d)
    assert rating.agency_id == d.handling_agency_id
    # Twice: refused, and the first stays as it was (there is no update path).
    again = citizen.post(url(d), {"level": "not_satisfied"}, format="json")
    assert again.status_code == 409
    assert again["Content-Type"].startswith("application/problem+json")
    assert again.json()["code"] == "already_rated"
    assert Rating.objects.get(dossier=d).level == "very_satisfied"
    assert citizen.put(url(d), body, format="json").status_code == 405
    assert citizen.patch(url(d), body, format="json").status_code == 405
    assert citizen.delete(url(d)).status_code == 405
    read = citizen.get(url(d))
    assert read.status_code == 200 and read.json()["comment_attitude"] == "Cán bộ nhiệt tình"


@pytest.mark.parametrize("status", ["new", "received", "processing", "result_ready", "withdrawn"])
def test_only_after_return_or_refusal(cast, dossier_factory, status):
    d = dossier_factory(status=status)
    r = cast.client(cast.citizen).post(url(d), {"level": "satisfied"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "not_rateable"
    assert not Rating.objects.exists()


def test_after_a_reasoned_refusal_and_a_refused_receipt(cast, dossier_factory):
    d = dossier_factory(status="processing")
    dossier_services.refuse(dossier=d.code, actor=cast.leader, reason="Không đủ điều kiện")
    r = cast.client(cast.citizen).post(url(d), {"level": "not_satisfied"}, format="json")
    assert r.status_code == 201, r.content
    refused = dossier_factory(status="not_received")
    r = cast.client(cast.citizen).post(url(refused), {"level": "satisfied"}, format="json")
    assert r.status_code == 201, r.content


def test_only_the_owner(cast, dossier_factory, api):
    d = dossier_factory(status="returned")
    assert api.post(url(d), {"level": "satisfied"}, format="json").status_code == 401
    assert api.get(url(d)).status_code == 401
    for user in (cast.other_citizen, cast.clerk, cast.leader, cast.admin):
        client = cast.client(user)
        assert client.post(url(d), {"level": "satisfied"}, format="json").status_code == 404
        assert client.get(url(d)).status_code == 404
    assert cast.client(cast.citizen).get("/api/v1/dossiers/NOPE/rating/").status_code == 404
    assert not Rating.objects.exists()
    # Not rated yet: the owner's read is a 404 with its own code.
    assert cast.client(cast.citizen).get(url(d)).json()["code"] == "not_rated"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"level": "happy"},
        {"level": ""},
        {"level": "satisfied", "comment_time": "x" * 1001},
        {"level": ["satisfied"]},
    ],
)
def test_bad_input_is_a_400(cast, dossier_factory, body):
    d = dossier_factory(status="returned")
    r = cast.client(cast.citizen).post(url(d), body, format="json")
    assert r.status_code == 400, r.content
    assert not Rating.objects.exists()


# --- the signed link ----------------------------------------------------------------------------
def test_the_signed_link_rates_without_login_once(cast, dossier_factory):
    d = dossier_factory(status="returned")
    link = services.link_url(d)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client(enforce_csrf_checks=False)
    page = client.get("/" + path)
    assert page.status_code == 200 and d.code in page.content.decode()
    r = client.post("/" + path, {"level": "satisfied", "comment_procedure": "Gọn"})
    assert r.status_code == 201 and "Cảm ơn" in r.content.decode()
    rating = Rating.objects.get(dossier=d)
    assert (rating.channel, rating.level, rating.submitted_by) == ("link", "satisfied", None)
    # One time: the link is spent.
    again = client.post("/" + path, {"level": "not_satisfied"})
    assert again.status_code == 409 and "đã được đánh giá" in again.content.decode()
    assert Rating.objects.get(dossier=d).level == "satisfied"


def test_a_forged_or_altered_link_is_refused(cast, dossier_factory):
    d = dossier_factory(status="returned")
    token = services.link_token(d)
    forged = signing.TimestampSigner(salt="something else").sign_object({"d": d.code})
    client = Client()
    for bad in (token[:-2] + "xx", forged, "abc", token.replace(token.split(":")[0], "e30")):
        r = client.post(f"/danh-gia/{bad}/", {"level": "satisfied"})
        assert r.status_code == 404, bad
    assert not Rating.objects.exists()


def test_an_expired_link_is_refused(cast, dossier_factory, settings):
    d = dossier_factory(status="returned")
    token = services.link_token(d)
    settings.SATISFACTION_LINK_MAX_AGE = -1
    r = Client().post(f"/danh-gia/{token}/", {"level": "satisfied"})
    assert r.status_code == 404 and "hết hạn" in r.content.decode()
    assert not Rating.objects.exists()


def test_a_link_before_the_return_is_refused(cast, dossier_factory):
    d = dossier_factory(status="processing")
    r = Client().post(f"/danh-gia/{services.link_token(d)}/", {"level": "satisfied"})
    assert r.status_code == 409
    assert not Rating.objects.exists()


# --- the kiosk ----------------------------------------------------------------------------------
def test_the_kiosk_opens_for_the_centre_s_official(cast, dossier_factory):
    d = dossier_factory(status="returned")
    path = f"/quay/danh-gia/{d.code}/"
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and "/dashboard/login/" in anonymous["Location"]
    other = Client()
    other.force_login(cast.other_clerk)
    assert other.get(path).status_code == 404
    citizen = Client()
    citizen.force_login(cast.other_citizen)
    assert citizen.get(path).status_code == 404
    clerk = Client()
    clerk.force_login(cast.clerk)
    page = clerk.get(path)
    assert page.status_code == 200 and "Rất hài lòng" in page.content.decode()
    r = clerk.post(path, {"level": "not_satisfied", "comment_time": "Chờ lâu"})
    assert r.status_code == 201
    rating = Rating.objects.get(dossier=d)
    assert (rating.channel, rating.submitted_by) == ("kiosk", cast.clerk)
    assert clerk.post(path, {"level": "satisfied"}).status_code == 409
    bad = dossier_factory(status="returned")
    assert clerk.post(f"/quay/danh-gia/{bad.code}/", {"level": "meh"}).status_code == 400


# --- the link in the notices --------------------------------------------------------------------
def test_the_returned_and_refused_notices_carry_a_working_link(cast, dossier_factory):
    from notifications import events
    from notifications.models import Notification

    for kind in ("returned", "refused", "receipt_refused"):
        assert "rating_url" in events.BY_KIND[kind].variables
    d = dossier_factory(status="returned")
    email = Notification.objects.get(dossier=d, kind="returned", channel="email")
    assert "/danh-gia/" in email.body
    link = next(w for w in email.body.split() if "/danh-gia/" in w)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    r = Client().post(path, {"level": "very_satisfied"})
    assert r.status_code == 201
    assert Rating.objects.get(dossier=d).channel == "link"
    # The SMS stays short: no link there.
    sms = Notification.objects.get(dossier=d, kind="returned", channel="sms")
    assert "/danh-gia/" not in sms.body


def test_the_migration_adds_the_link_as_a_new_version_of_an_unchanged_template():
    from notifications import defaults
    from notifications.models import NotificationTemplate

    NotificationTemplate.objects.filter(kind__in=defaults.RATED_KINDS).delete()
    for row in defaults.rows():
        if row["kind"] in defaults.RATED_KINDS:
            old = row["body"].replace(defaults.RATING_VI, "").replace(defaults.RATING_EN, "")
            NotificationTemplate.objects.create(version=1, **{**row, "body": old})
    edited = NotificationTemplate.objects.get(
        kind="returned", channel="email", language="vi", version=1
    )
    edited.body = "Được sửa bởi cán bộ {{ dossier_code }}"
    edited.save()
    made = defaults.add_rating_link(NotificationTemplate)
    assert made == 3 * 2 * 3 - 1  # 3 kinds × 2 languages × (inbox, email, zalo), less the edited
    assert not NotificationTemplate.objects.filter(
        kind="returned", channel="email", language="vi", version=2
    ).exists()
    latest = NotificationTemplate.current("refused", "email", "vi")
    assert latest.version == 2 and "{{ rating_url }}" in latest.body
