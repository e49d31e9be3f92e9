"""Reads of the catalogue that are more than a filter: search and statistics."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BooleanField, Count, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from core.text import fold, fold_terms

from .models import Level, Procedure, ProcedureStatus, ServiceLevel

CODE_QUERY_RE = re.compile(r"^\d\.\d{1,6}$")


def published_procedures() -> QuerySet[Procedure]:
    return Procedure.objects.filter(status=ProcedureStatus.PUBLISHED)


def search_procedures(queryset: QuerySet[Procedure], q: str) -> QuerySet[Procedure]:
    """Filter by a free-text query that ignores diacritics (and đ/d), annotated with `rank`.

    On PostgreSQL: full-text search over the folded text (a stored tsvector column with a GIN
    index), the last word matching as a prefix, ranked by ts_rank_cd normalised by length plus
    a bonus for the whole phrase at the start of / inside the name. Elsewhere: every word must
    appear (LIKE), ranked by the phrase bonus. A query that looks like a national code
    ("1.001193") matches codes by prefix.

    The raw SQL below interpolates only constants (the table's column name); every value from
    the query travels as a parameter, and the words are folded to [a-z0-9] first.
    """
    q = (q or "").strip()
    if CODE_QUERY_RE.match(q):
        return queryset.filter(code__startswith=q).annotate(
            rank=RawSQL("1.0", [], output_field=FloatField())
        )
    terms = fold_terms(q)
    if not terms:
        return queryset.none().annotate(rank=RawSQL("0.0", [], output_field=FloatField()))
    phrase = fold(" ".join(terms))
    table = Procedure._meta.db_table
    column = f'"{table}"."search_text"'
    # The whole phrase at the start of the name beats the phrase inside it, which beats the
    # words scattered; among equals the shorter (more specific) name comes first.
    bonus = (
        f"(CASE WHEN {column} LIKE %s THEN 1.0 WHEN {column} LIKE %s THEN 0.5 ELSE 0.0 END"
        f" - length({column}) * 0.0001)"
    )
    bonus_params = [f"{phrase}%", f"%{phrase}%"]
    if connection.vendor == "postgresql":
        # The last word matches as a prefix (typing in progress), unless the query is one
        # single character: "x:*" alone would match thousands of rows only to rank them all.
        last = f"{terms[-1]}:*" if len(terms[-1]) > 1 or len(terms) > 1 else terms[-1]
        tsquery = " & ".join([*terms[:-1], last])
        # A stored generated column (migration 0003) with a partial GIN index.
        vector = f'"{table}"."search_vector"'
        query = "to_tsquery('simple'::regconfig, %s)"
        return queryset.filter(
            RawSQL(f"{vector} @@ {query}", [tsquery], output_field=BooleanField())
        ).annotate(
            rank=RawSQL(
                f"(ts_rank_cd({vector}, {query}, 2) + {bonus})::float8",
                [tsquery, *bonus_params],
                output_field=FloatField(),
            )
        )
    for term in terms:
        queryset = queryset.filter(search_text__contains=term)
    return queryset.annotate(rank=RawSQL(bonus, bonus_params, output_field=FloatField()))


def catalogue_stats() -> dict:
    """Counts of the procedures in force by service level and by level (one aggregate)."""
    rows = (
        published_procedures().values("service_level", "level").annotate(n=Count("id")).order_by()
    )
    by_service = dict.fromkeys(ServiceLevel.values, 0)
    by_level = dict.fromkeys(Level.values, 0)
    matrix = {s: dict.fromkeys(Level.values, 0) for s in ServiceLevel.values}
    for row in rows:
        by_service[row["service_level"]] += row["n"]
        by_level[row["level"]] += row["n"]
        matrix[row["service_level"]][row["level"]] += row["n"]
    return {
        "total": sum(by_service.values()),
        "by_service_level": by_service,
        "by_level": by_level,
        "by_service_level_and_level": matrix,
    }
