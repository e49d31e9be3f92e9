"""What the catalogue lists answer matches what the schema says (issue 11, 6b.1)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api):
    return api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def everything(api, url):
    items, page = [], api.get(url, {"page_size": 200}).json()
    while True:
        items += page["results"]
        if not page["next"]:
            return items
        page = api.get(page["next"]).json()


@pytest.mark.parametrize(
    ("url", "component", "parent_type"),
    [("/api/v1/agencies/", "Agency", str), ("/api/v1/units/", "Unit", int)],
)
def test_the_root_has_a_null_parent_and_the_schema_says_it_may(
    api, schema, province, url, component, parent_type
):
    declared = schema["components"]["schemas"][component]
    assert declared["properties"]["parent"]["nullable"] is True
    assert "parent" in declared["required"]
    items = everything(api, url)
    roots = [item for item in items if item["parent"] is None]
    assert roots, "the tree has a root"
    others = [item["parent"] for item in items if item["parent"] is not None]
    assert others
    assert all(isinstance(parent, parent_type) for parent in others)
