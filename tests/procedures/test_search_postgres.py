"""What only PostgreSQL can show: the full-text search uses its GIN index."""

import pytest
from django.db import connection

from procedures.models import Field, Procedure
from procedures.selectors import published_procedures, search_procedures

pytestmark = pytest.mark.django_db


@pytest.fixture
def pg(mini_catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    return mini_catalogue


def test_search_query_uses_the_gin_index(pg):
    # A catalogue of realistic size, mostly unrelated to the query, then fresh statistics.
    field = Field.objects.get(code="DAT_DAI")
    Procedure.objects.bulk_create(
        Procedure(
            code=f"9.{n:06d}",
            name=f"Thủ tục hành chính mẫu số {n} về đất đai",
            search_text=f"thu tuc hanh chinh mau so {n} ve dat dai 9.{n:06d} dat dai",
            field=field,
            level="province",
            agency_kind="provincial_department",
            service_level="partial",
            processing_time_value=10,
            status="published",
        )
        for n in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE procedures_procedure")
    plan = search_procedures(published_procedures(), "dang ky khai sinh").explain()
    assert "procedure_search_fts" in plan


def test_index_exists_only_for_published_versions(pg):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'procedure_search_fts'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition
    assert "to_tsvector('simple'::regconfig, search_text)" in definition
    assert "published" in definition


def test_rank_prefers_the_whole_phrase(pg):
    queryset = search_procedures(published_procedures(), "khai sinh").order_by("-rank")
    ranked = list(queryset.values_list("code", "rank"))
    assert ranked[0][0] == "1.001193"
    assert ranked[0][1] > ranked[1][1]
