"""page_size and cursor are checked like any other parameter: a bad value is a 400 problem
naming it, never clamped or ignored (every cursor-paginated list)."""

import base64

import pytest

from documents import services as documents
from documents.models import StoreDocumentKind
from dossiers import services
from tests.support.cast import CITIZEN_ID, applicant_data
from tests.support.files import pdf_bytes

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def cursor(querystring: str) -> str:
    return base64.b64encode(querystring.encode()).decode()


BAD_PAGE_SIZES = ["-1", "0", "201", str(10**20), "abc", "1.5", " 5", "٣"]
BAD_CURSORS = [
    "garbage",
    "!!!",
    "bm90IGEgY3Vyc29y",  # "not a cursor"
    cursor("x=1"),
    cursor("o=-1"),
    cursor("o=abc"),
    cursor("r=2"),
    cursor("o=1&o=2"),
    cursor("p=%00"),  # PostgreSQL refuses a NUL in a string literal
    "Đ",
]


def store_documents(n=3):
    """A few documents in the citizen's data store, kept as the services keep them."""
    return [
        documents.add_to_store(
            owner_id=CITIZEN_ID,
            owner_name="Nguyễn Văn An",
            kind=StoreDocumentKind.DIGITISED,
            title=f"Giấy tờ {i}",
            file=documents.store_bytes(
                pdf_bytes(f"Giay to {i}"),
                name=f"{i}.pdf",
                content_type="application/pdf",
                extension="pdf",
            ),
        )
        for i in range(n)
    ]


@pytest.fixture
def lists(cast):
    """(client, url) of each list under test, with a few rows in each."""
    for _ in range(3):
        services.submit_online(
            actor=cast.citizen,
            procedure_code="1.001193",
            applicant=applicant_data(cast),
            summary="Thử",
        )
    store_documents()
    return {
        "dossiers": (cast.client(cast.citizen), "/api/v1/dossiers/"),
        "procedures": (cast.client(None), "/api/v1/procedures/"),
        "documents": (cast.client(cast.citizen), "/api/v1/me/documents/"),
        "agencies": (cast.client(None), "/api/v1/agencies/"),
        "units": (cast.client(None), "/api/v1/units/"),
        "fields": (cast.client(None), "/api/v1/fields/"),
    }


def assert_names(response, name):
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [name], body
    return body


@pytest.mark.parametrize("which", ["dossiers", "procedures", "documents", "agencies", "units"])
@pytest.mark.parametrize("value", BAD_PAGE_SIZES)
def test_a_bad_page_size_is_a_400_naming_it(lists, which, value):
    client, url = lists[which]
    body = assert_names(client.get(url, {"page_size": value}), "page_size")
    assert "200" in body["errors"]["page_size"][0]


@pytest.mark.parametrize("which", ["dossiers", "procedures", "documents", "fields"])
@pytest.mark.parametrize("value", BAD_CURSORS)
def test_a_garbage_cursor_is_a_400_naming_it(lists, which, value):
    client, url = lists[which]
    assert_names(client.get(url, {"cursor": value}), "cursor")


@pytest.mark.parametrize(
    ("which", "position"),
    [
        ("dossiers", "not-a-date"),  # ordered by due date (queue_at, a generated column)
        ("documents", "yesterday"),  # neither a time nor an id
    ],
)
def test_a_cursor_position_of_the_wrong_type_is_a_400(lists, which, position):
    client, url = lists[which]
    assert_names(client.get(url, {"cursor": cursor(f"p={position}")}), "cursor")


def test_a_search_cursor_position_must_be_a_number(lists):
    client, url = lists["procedures"]
    response = client.get(url, {"q": "khai sinh", "cursor": cursor("p=abc")})
    assert_names(response, "cursor")
    ok = client.get(url, {"q": "khai sinh", "cursor": cursor("p=0.5")})
    assert ok.status_code == 200


def test_both_bad_parameters_are_named_together(lists):
    client, url = lists["dossiers"]
    body = client.get(url, {"page_size": "0", "cursor": "x"}).json()
    assert set(body["errors"]) == {"page_size", "cursor"}


@pytest.mark.parametrize("which", ["dossiers", "procedures", "documents"])
def test_good_values_and_empty_ones_still_work(lists, which):
    client, url = lists[which]
    assert client.get(url, {"page_size": ""}).status_code == 200
    assert client.get(url, {"cursor": ""}).status_code == 200
    assert client.get(url, {"page_size": "200"}).status_code == 200
    first = client.get(url, {"page_size": "1"}).json()
    assert len(first["results"]) == 1
    following = client.get(first["next"])
    assert following.status_code == 200
    assert len(following.json()["results"]) == 1
    back = client.get(following.json()["previous"])
    assert back.status_code == 200
    assert back.json()["results"] == first["results"]


def test_the_schema_states_the_page_size_limits(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameters = schema["paths"]["/api/v1/dossiers/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}


def test_the_problem_speaks_english_when_asked(lists):
    client, url = lists["procedures"]
    response = client.get(url, {"page_size": "0"}, HTTP_ACCEPT_LANGUAGE="en")
    body = assert_names(response, "page_size")
    assert body["errors"]["page_size"] == ["Must be a whole number from 1 to 200."]
