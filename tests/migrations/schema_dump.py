# ruff: noqa: INP001
"""Dump the schema and a summary of the rows of the configured database as JSON to the file named
by $SCHEMA_DUMP_OUT. Run with `manage.py shell < tests/migrations/schema_dump.py` (by
test_upgrade.py, in a subprocess pointed at a scratch database)."""

import hashlib
import json
import os
import re

from django.db import connection

introspection = connection.introspection
tables = {}
with connection.cursor() as cursor:
    for table in sorted(introspection.table_names(cursor)):
        if table.startswith("sqlite_"):
            continue
        columns = sorted(
            (c.name, str(c.type_code), c.internal_size, c.null_ok, c.default)
            for c in introspection.get_table_description(cursor, table)
        )
        constraints = {}
        for name, info in introspection.get_constraints(cursor, table).items():
            if info["foreign_key"]:
                # A foreign key's name says which table it pointed to when it was made (a new
                # database makes some before the user table is renamed); SQLite's have no names
                # at all. Compare them by what they join.
                name = "fk:" + ",".join(info["columns"])
            constraints[name] = {
                "columns": info["columns"],
                "unique": bool(info["unique"]),
                "primary_key": bool(info["primary_key"]),
                "foreign_key": list(info["foreign_key"]) if info["foreign_key"] else None,
                "index": bool(info["index"]),
                "check": bool(info["check"]),
            }
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - introspected names
        count = cursor.fetchone()[0]
        tables[table] = {"columns": columns, "constraints": constraints, "rows": count}
    if connection.vendor == "postgresql":
        # Partial and expression indexes by their definition (the search index, the queues).
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        )
        for table, name, definition in cursor.fetchall():
            if table in tables:
                # PostgreSQL prints the same predicate with its casts in different places,
                # depending on how it was written: compare it without casts and parentheses.
                definition = re.sub(r"::[a-z ]+(\[\])?|[()\s]", "", definition)
                tables[table].setdefault("index_sql", {})[name] = definition
    else:
        cursor.execute("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index'")
        for table, name, definition in cursor.fetchall():
            if table in tables and definition:
                tables[table].setdefault("index_sql", {})[name] = definition


def rows(sql: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [[str(v) for v in row] for row in cursor.fetchall()]


def digest(sql: str) -> str:
    return hashlib.sha256(json.dumps(rows(sql), ensure_ascii=False).encode()).hexdigest()


contents = {}
if "accounts_user" in tables:
    contents = {
        "users": digest(
            "SELECT id, username, password, role, agency_id, personal_id, full_name "
            "FROM accounts_user ORDER BY id"
        ),
        "agencies": digest(
            "SELECT id, code, name, kind, parent_id, unit_id FROM organisations_agency ORDER BY id"
        ),
        "units": digest("SELECT id, code, name, parent_id FROM organisations_administrativeunit"),
        "dossiers": digest(
            "SELECT id, code, status, applicant_id, handling_agency_id, receiving_agency_id, "
            "due_at, assignee_id FROM dossiers_dossier ORDER BY id"
        ),
        "events": digest(
            "SELECT id, dossier_id, action, from_status, to_status, actor_id "
            "FROM dossiers_event ORDER BY id"
        ),
        "outbox": digest(
            "SELECT id, topic, key, status, attempts, idempotency_key "
            "FROM outbox_outboxmessage ORDER BY id"
        ),
        "files": digest("SELECT id, path, sha256, size FROM documents_storedfile ORDER BY path"),
        "dossier_codes": rows("SELECT code FROM dossiers_dossier ORDER BY id"),
        "store": rows(
            "SELECT kind, number, source_reference FROM documents_storedocument ORDER BY id"
        ),
        "calendar": digest(
            "SELECT date, is_working_day, reason FROM core_calendaroverride ORDER BY date"
        ),
        "content_types": sorted(
            rows(
                "SELECT app_label, model FROM django_content_type WHERE app_label IN "
                "('onecua', 'accounts', 'core', 'outbox', 'organisations', 'documents')"
            )
        ),
    }

with open(os.environ["SCHEMA_DUMP_OUT"], "w") as out:
    json.dump({"vendor": connection.vendor, "tables": tables, "contents": contents}, out)
