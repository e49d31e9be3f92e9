# The outbox is partitioned by month on PostgreSQL (core/partitions.py, docs/partitions.md).
#
# - superseded_by loses its database constraint (no foreign key can name the id of a
#   partitioned table); Django still sets it to NULL when the message it names is deleted.
# - idempotency_key stays unique over the whole table, not per month: a unique index of a
#   partitioned table must hold the partition key (created_at), and (idempotency_key,
#   created_at) would let the same key in again at another instant. So the keys live in a small
#   unpartitioned table, outbox_idempotencykey (the key its primary key), which a row trigger
#   keeps in step with the messages: an INSERT claims its key (a key already claimed raises the
#   same unique violation, an IntegrityError, as before), an UPDATE of the key moves it, a DELETE
#   frees it (not when core/partitions.py moves rows out of the DEFAULT partition into their
#   month's), a TRUNCATE of the outbox empties it. Detaching a month for archiving keeps its keys
#   claimed: a key once used is never used again, as before. The message table keeps a plain
#   index on idempotency_key (the admin's search).
# SQLite keeps the plain table and its UNIQUE constraint; the state is unchanged.

import django.db.models.deletion
from django.db import migrations, models

from core.migration_ops import DropForeignKeyConstraint
from core.partitions import migration_operation

FORWARD = [
    """
    CREATE TABLE outbox_idempotencykey (idempotency_key varchar(128) PRIMARY KEY)
    """,
    """
    INSERT INTO outbox_idempotencykey (idempotency_key)
    SELECT idempotency_key FROM outbox_outboxmessage
    """,
    """
    CREATE OR REPLACE FUNCTION outbox_idempotency_key_claim() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO outbox_idempotencykey (idempotency_key) VALUES (NEW.idempotency_key);
            RETURN NEW;
        ELSIF TG_OP = 'UPDATE' THEN
            IF NEW.idempotency_key IS DISTINCT FROM OLD.idempotency_key THEN
                DELETE FROM outbox_idempotencykey WHERE idempotency_key = OLD.idempotency_key;
                INSERT INTO outbox_idempotencykey (idempotency_key)
                VALUES (NEW.idempotency_key);
            END IF;
            RETURN NEW;
        END IF;
        -- Rows moved out of the DEFAULT partition into their month's (core/partitions.py)
        -- keep their keys.
        IF coalesce(current_setting('onecua.partition_move', true), '') <> 'on' THEN
            DELETE FROM outbox_idempotencykey WHERE idempotency_key = OLD.idempotency_key;
        END IF;
        RETURN OLD;
    END
    $$
    """,
    """
    CREATE TRIGGER outbox_idempotency_key
    BEFORE INSERT OR UPDATE OF idempotency_key OR DELETE ON outbox_outboxmessage
    FOR EACH ROW EXECUTE FUNCTION outbox_idempotency_key_claim()
    """,
    """
    CREATE OR REPLACE FUNCTION outbox_idempotency_key_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE outbox_idempotencykey;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER outbox_idempotency_key_truncate
    AFTER TRUNCATE ON outbox_outboxmessage
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_idempotency_key_truncate()
    """,
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS outbox_idempotency_key_truncate ON outbox_outboxmessage",
    "DROP TRIGGER IF EXISTS outbox_idempotency_key ON outbox_outboxmessage",
    "DROP FUNCTION IF EXISTS outbox_idempotency_key_truncate()",
    "DROP FUNCTION IF EXISTS outbox_idempotency_key_claim()",
    "DROP TABLE IF EXISTS outbox_idempotencykey",
]


def keys_forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def keys_backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


def unique_backward(apps, schema_editor):
    # Back on the plain table (the operation before this one in reverse order): the key unique
    # by a constraint again.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE outbox_outboxmessage ADD CONSTRAINT "
            "outbox_outboxmessage_idempotency_key_uniq UNIQUE (idempotency_key)"
        )


class Migration(migrations.Migration):
    dependencies = [("outbox", "0003_superseded")]

    operations = [
        DropForeignKeyConstraint(
            model_name="outboxmessage",
            name="superseded_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="superseded",
                to="outbox.outboxmessage",
                verbose_name="được thay bằng",
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, unique_backward, elidable=False),
        migration_operation("outbox_outboxmessage"),
        migrations.RunPython(keys_forward, keys_backward, elidable=False),
    ]
