"""The VNeID login driven through HTTP with Django's test client, against the mock VNeID served
in-process (integrations/mockvneid; the client's back-channel calls go in-process too,
accounts/vneid/provider.py). A plugin (tests/conftest.py): the mock's signing key is made once per
run in pytest's temporary folder, never in var/.

    steps = VneidLogin(client).start()          # /vneid/login/ → the provider's login page
    response = steps.pick("025090001234")       # the demo identity → our callback → /vneid/done/
    ticket = steps.ticket()                     # the done page's one-time ticket (JSON)
    token = exchange(ticket)                    # POST /api/v1/auth/vneid/token/
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from rest_framework.test import APIClient

DEMO_LEVEL_2 = "025090001234"  # Nguyễn Văn An, level 2 (the demo citizen's number)
OTHER_LEVEL_2 = "025185004321"  # Trần Thị Bình, level 2
DEMO_LEVEL_1 = "025201007777"  # Lê Minh Châu, level 1


@pytest.fixture(scope="session", autouse=True)
def _mock_vneid_key_in_tmp(tmp_path_factory):
    from django.conf import settings

    settings.MOCK_VNEID_KEY_FILE = str(tmp_path_factory.mktemp("mock-vneid") / "signing-key.pem")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class VneidLogin:
    """One browser's VNeID login, step by step."""

    def __init__(self, client: Client | None = None):
        self.client = client or Client()
        self.authorize_url = ""
        self.callback_url = ""

    def start(self, **params) -> VneidLogin:
        response = self.client.get("/vneid/login/", params)
        assert response.status_code == 302, response.content
        self.authorize_url = response["Location"]
        return self

    @property
    def authorize_params(self) -> dict[str, str]:
        return query_of(self.authorize_url)

    def login_page(self):
        return self.client.get(path_of(self.authorize_url))

    def provider_redirect(self, personal_id: str, **overrides) -> str:
        """POST the provider's login form for this identity; the provider's redirect (to our
        callback), not followed."""
        form = {**self.authorize_params, "personal_id": personal_id, **overrides}
        response = self.client.post(urlsplit(self.authorize_url).path, form)
        assert response.status_code == 302, response.content
        self.callback_url = response["Location"]
        return self.callback_url

    def callback(self, url: str | None = None):
        return self.client.get(path_of(url or self.callback_url))

    def pick(self, personal_id: str = DEMO_LEVEL_2):
        """The identity picked; our callback's answer."""
        self.provider_redirect(personal_id)
        return self.callback()

    def ticket(self) -> str:
        response = self.client.get("/vneid/done/", HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.content
        return response.json()["ticket"]


def exchange(ticket: str, device: str = "Điện thoại") -> dict:
    response = APIClient().post(
        "/api/v1/auth/vneid/token/", {"ticket": ticket, "device": device}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def vneid_token(personal_id: str = DEMO_LEVEL_2) -> str:
    """An API token of the citizen of this demo identity, through the whole login."""
    login = VneidLogin().start()
    response = login.pick(personal_id)
    assert response.status_code == 302 and response["Location"] == "/vneid/done/", response
    return exchange(login.ticket())["token"]
