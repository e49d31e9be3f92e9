"""API tokens for tests, got the way a client gets one: through the login endpoint, so the tests
that need a token do not depend on which kind of token the project issues (accounts/api)."""

from rest_framework.test import APIClient

from tests.factories import PASSWORD, AdministratorFactory


def api_token(user, password: str = PASSWORD) -> str:
    """A fresh API token of `user` (whose password is `password`), for `Authorization: Token …`."""
    response = APIClient().post(
        "/api/v1/auth/login/",
        {"username": user.username, "password": password},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def administrator_token(username: str = "quantri-thu-nghiem") -> str:
    """The API token of an administrator made for the purpose (e.g. to drive the mock portal's
    control endpoints)."""
    return api_token(AdministratorFactory(username=username))
