# The access log is append-only in the database too (docs/access-log.md): on PostgreSQL a trigger
# refuses every UPDATE of the table, and every DELETE or TRUNCATE unless the session is a
# deliberate maintenance session of the database operator (`SET onecua.access_log_maintenance =
# 'on'`, e.g. to purge rows past their retention period). The application never sets it.
# SQLite (the embedded default) relies on the model's refusal alone.

from django.db import migrations

TABLE = "accesslog_accessrecord"
FORWARD = [
    """
    CREATE OR REPLACE FUNCTION accesslog_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'TRUNCATE')
           AND coalesce(current_setting('onecua.access_log_maintenance', true), '') = 'on' THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION USING
            MESSAGE = 'the access log is append-only: ' || TG_OP || ' of ' || TG_TABLE_NAME
                      || ' refused',
            ERRCODE = 'insufficient_privilege',
            HINT = 'docs/access-log.md: rows are never changed; the database operator '
                         'removes expired rows in a maintenance session.';
    END
    $$
    """,
    f"""
    CREATE TRIGGER accesslog_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION accesslog_refuse_change()
    """,
    f"""
    CREATE TRIGGER accesslog_no_truncate
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION accesslog_refuse_change()
    """,
]
BACKWARD = [
    f"DROP TRIGGER IF EXISTS accesslog_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS accesslog_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS accesslog_refuse_change()",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("accesslog", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
