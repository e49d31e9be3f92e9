"""Object-level authorisation as a suite (issue 12 §6): for every endpoint of the API that names
an object in its path — a dossier code, a file id, a store document, an e-result, a token — a
citizen of another dossier and an official of another agency get 404 (never the object, never a
500), and an anonymous caller 401. The endpoints are read from the OpenAPI schema, so a new one
is covered (or must be added to PUBLIC with a reason) as soon as it exists.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts import services as accounts
from core.calendar import get_calendar
from dossiers.models import ComponentFile, EResult
from notifications.models import Notification
from payments.models import Payment
from servicecentre import services as queue
from servicecentre.models import Centre, Counter, ServiceGroup
from tests.support.dossiers import DossierFactory
from tests.support.files import pdf_bytes

pytestmark = pytest.mark.django_db

# Paths anyone may read, and why (they show no personal data).
PUBLIC = {
    "/api/v1/procedures/{code}/": "the public catalogue",
    "/api/v1/verify/{result_id}/": "public verification of an e-result (no personal data)",
    "/api/v1/centres/{centre_id}/slots/": "a centre's free appointment places (no personal data)",
}
METHODS = ("get", "post", "put", "patch", "delete")


def endpoints() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (path, method)
        for path, operations in schema["paths"].items()
        if "{" in path
        for method in operations
        if method in METHODS
    )


ENDPOINTS = endpoints()


@pytest.fixture
def world(cast):
    """Citizen A's dossier with everything it can have (files, a signed e-result in the store),
    A's API token; and the strangers: citizen B, officials of other agencies."""
    dossier = DossierFactory(status="result_ready", cast=cast, e_result=True)
    attachment = ComponentFile.objects.filter(component__dossier=dossier).first()
    result = EResult.objects.get(dossier=dossier)
    token = accounts.issue_token(cast.citizen, device="A's phone")
    payment = Payment.objects.create(  # a paid payment of A's dossier: its e-receipt
        reference="OC260302WORLD0000001",
        dossier=dossier,
        amount=1000,
        lines=[{"order": 1, "name": "Lệ phí", "kind": "le_phi", "amount": 1000}],
        payer=dossier.applicant.full_name,
        expires_at=dossier.submitted_at,
        status="paid",
        paid_at=dossier.submitted_at,
    )
    # The ward centre's queue: a ticket, and A's appointment on the next working day.
    centre = Centre.objects.create(agency=cast.centre)
    group = ServiceGroup.objects.create(centre=centre, letter="A", name="Hộ tịch")
    counter = Counter.objects.create(centre=centre, number=1)
    counter.groups.set([group])
    ticket = queue.issue_ticket(group)
    day = get_calendar().next_working_day(timezone.localdate())
    appointment = queue.book(cast.citizen, queue.slots_for(group, day).first())
    return {
        "dossier": dossier,
        "values": {
            "centre_id": centre.pk,
            "ticket_id": ticket.pk,
            "appointment_id": appointment.pk,
            "code": dossier.code,
            "order": 1,
            "number": "01",
            "file_id": str(attachment.file_id if attachment else result.file_id),
            "id": str(result.store_document_id),
            "result_id": str(result.pk),
            "token_id": str(token[0].pk if isinstance(token, tuple) else token.pk),
            "reference": payment.reference,
            # A's inbox notification about the dossier.
            "notification_id": str(
                Notification.objects.filter(recipient=cast.citizen, channel="inbox").first().pk
            ),
        },
    }


def _url(path: str, values: dict) -> str:
    def fill(match):
        name = match.group(1)
        assert name in values, f"no value for {{{name}}} in {path}: add it to the world"
        return str(values[name])

    return re.sub(r"\{(\w+)\}", fill, path)


def _call(client: APIClient, method: str, url: str):
    if method == "post" and url.endswith("/files/"):
        upload = SimpleUploadedFile("a.pdf", pdf_bytes(), content_type="application/pdf")
        return client.post(url, {"file": upload}, format="multipart")
    if method in ("post", "put", "patch"):
        return getattr(client, method)(url, {}, format="json")
    return getattr(client, method)(url)


def _strangers(cast) -> dict:
    return {
        "citizen of another dossier": cast.other_citizen,
        "official of another centre": cast.other_clerk,
        "leader of another agency": cast.other_leader,
    }


@pytest.mark.parametrize(("path", "method"), ENDPOINTS, ids=lambda v: v)
def test_anonymous_gets_401_and_strangers_404(path, method, cast, world):
    url = _url(path, world["values"])
    secret = (world["dossier"].code, world["dossier"].applicant.full_name)

    anonymous = _call(APIClient(), method, url)
    if path in PUBLIC:
        assert anonymous.status_code < 500, (path, anonymous.status_code)
        return
    assert anonymous.status_code == 401, (path, method, anonymous.status_code)

    for who, user in _strangers(cast).items():
        client = APIClient()
        client.force_authenticate(user)
        response = _call(client, method, url)
        assert response.status_code == 404, (path, method, who, response.status_code)
        body = response.content.decode("utf-8", "replace")
        assert not any(value in body for value in secret), (path, who, "leaks the object")


def test_the_owner_and_the_right_officials_do_reach_it(cast, world):
    """The suite above would pass on an API that answers 404 to everyone: check that the same
    objects are reachable by those entitled to them."""
    values = world["values"]
    owner = cast.client(cast.citizen)
    assert owner.get(f"/api/v1/dossiers/{values['code']}/").status_code == 200
    assert owner.get(f"/api/v1/dossiers/{values['code']}/e-result/").status_code == 200
    assert owner.get(f"/api/v1/me/documents/{values['id']}/").status_code == 200
    assert owner.get(f"/api/v1/files/{values['file_id']}/").status_code == 200
    clerk = cast.client(cast.clerk)
    assert clerk.get(f"/api/v1/dossiers/{values['code']}/").status_code == 200
    assert clerk.get(f"/api/v1/counter/receipts/{values['code']}/").status_code == 200
    leader = cast.client(cast.leader)
    assert leader.get(f"/api/v1/dossiers/{values['code']}/forms/").status_code == 200
    read = owner.post(f"/api/v1/me/notifications/{values['notification_id']}/read/")
    assert read.status_code == 200 and read.json()["read"] is True
