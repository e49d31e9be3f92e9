"""What only PostgreSQL can show: the full-text search uses its GIN index."""

import pytest
from django.db import connection

from procedures.models import Field
from procedures.selectors import published_procedures, search_procedures

pytestmark = pytest.mark.django_db


@pytest.fixture
def pg(mini_catalogue):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    return mini_catalogue


def test_search_query_uses_the_gin_index(pg):
    # A catalogue of the size the benchmark uses (tens of thousands of versions), mostly
    # unrelated to the query, then fresh statistics.
    field = Field.objects.get(code="DAT_DAI")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO procedures_procedure (
                code, version, local_code, name, field_id, level, level_raw, agency_kind,
                agency_name, service_level, service_level_assigned, processing_time_value,
                processing_time_unit, processing_time_raw, processing_time_inferred, fee_mode,
                fee_raw, result_name, legal_basis, supplement_rule, supplement_window_days,
                components_inferred, steps_inferred, origin, field_raw, field_inferred, status,
                search_text, content_hash, updated_at, min_assurance_level)
            SELECT '9.' || lpad(n::text, 6, '0'), 1, '', 'Thủ tục mẫu số ' || n, %s,
                'province', '', 'provincial_department', '', 'partial', false, 10,
                'working_days', '', false, 'unknown', '', '', '', 'restart', 15, false, false,
                '', '', false, 'published',
                'thu tuc hanh chinh mau so ' || n || ' ve dat dai', '', now(), 1
            FROM generate_series(1, 20000) AS n
            """,
            [field.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE procedures_procedure")
    plan = search_procedures(published_procedures(), "dang ky khai sinh").explain()
    assert "Bitmap Index Scan on procedure_search_fts" in plan


def test_index_exists_only_for_published_versions(pg):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'procedure_search_fts'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition
    assert "(search_vector)" in definition
    assert "published" in definition


def test_search_vector_is_generated_from_the_folded_text(pg):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM procedures_procedure WHERE code = '1.001193'"
        )
        (vector,) = cursor.fetchone()
    assert "'khai'" in vector and "'sinh'" in vector


def test_rank_prefers_the_whole_phrase(pg):
    queryset = search_procedures(published_procedures(), "khai sinh").order_by("-rank")
    ranked = list(queryset.values_list("code", "rank"))
    assert ranked[0][0] == "1.001193"
    assert ranked[0][1] > ranked[1][1]
