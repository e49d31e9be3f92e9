"""Issue 16 §4: the append-only tables are partitioned by month on PostgreSQL (core/partitions.py,
docs/partitions.md): the tables are partitioned with a DEFAULT partition, a row lands in its
month's partition, `manage.py partitions` creates the months ahead and detaches the months past
retention (never an outbox month with pending or dead messages), the outbox's idempotency key
stays unique over all months, the access log's refusals hold on a partition too, and the
migration converts a filled database with every row kept and the ids continuing.

PostgreSQL only (the `on_postgres` fixture skips on SQLite, which keeps plain tables); the tests
of each app (tests/dossiers, outbox, accesslog, notifications, payments) run on the partitioned
tables when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accesslog.models import AccessRecord
from core import partitions
from core.partitions import TABLES, add_months, month_of, partition_name
from outbox.models import OutboxMessage, OutboxStatus
from payments.models import PaymentMessage

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _where(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _partitions(table: str) -> list[str]:
    with connection.cursor() as cursor:
        return partitions.partitions(cursor, table)


def _access(at: dt.datetime) -> AccessRecord:
    return AccessRecord.objects.create(
        at=at,
        reader_username="clerk",
        reader_role="receiving_officer",
        kind="file",
        purpose="api.file.download",
    )


def _message(key: str, created_at: dt.datetime, **extra) -> OutboxMessage:
    return OutboxMessage.objects.create(
        topic="test.partitions",
        key="k",
        reference={},
        idempotency_key=key,
        created_at=created_at,
        **extra,
    )


def test_the_append_only_tables_are_partitioned_by_month_with_a_default(on_postgres):
    this_month = month_of(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, p.partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_class c ON c.oid = p.partrelid "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]"
        )
        found = {name: (strategy, column) for name, strategy, column in cursor.fetchall()}
    for spec in TABLES.values():
        assert found[spec.table] == ("r", spec.key), spec.table
        names = _partitions(spec.table)
        assert f"{spec.table}_default" in names
        for n in range(4):  # this month and PARTITION_MONTHS_AHEAD (3) ahead, by the migration
            assert partition_name(spec.table, add_months(this_month, n)) in names


def test_a_row_lands_in_the_partition_of_its_local_month(on_postgres):
    month = month_of(timezone.now())
    first_instant = dt.datetime(month.year, month.month, 1, tzinfo=HCM)
    inside = _access(first_instant)
    before = _access(first_instant - dt.timedelta(seconds=1))  # the previous local month
    table = "accesslog_accessrecord"
    assert _where(table, inside.pk) == partition_name(table, month)
    # No partition for last month in the test database: the DEFAULT takes it, no error.
    assert _where(table, before.pk) == f"{table}_default"
    message = PaymentMessage.objects.create(direction="received", kind="notify", at=first_instant)
    assert _where("payments_paymentmessage", message.pk) == partition_name(
        "payments_paymentmessage", month
    )


def test_a_partition_created_later_takes_its_rows_out_of_the_default(on_postgres):
    far = dt.datetime(2031, 5, 10, 9, 0, tzinfo=HCM)
    record = _access(far)
    table = "accesslog_accessrecord"
    assert _where(table, record.pk) == f"{table}_default"
    lines = partitions.maintain(today=far.date(), ahead=0, detach=False, tables=[table])
    assert lines == [f"created {table}_p203105 (1 rows moved from {table}_default)"]
    assert _where(table, record.pk) == f"{table}_p203105"
    # The access log's statement triggers are on the new partition too.
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table}_p203105")  # noqa: S608


def test_the_command_creates_the_months_ahead_and_says_what_it_does(on_postgres):
    this_month = month_of(timezone.now())
    six = add_months(this_month, 6)
    out = io.StringIO()
    call_command("partitions", "--ahead", "6", "--no-detach", "--dry-run", stdout=out)
    assert f"would create {partition_name('dossiers_event', six)}" in out.getvalue()
    assert partition_name("dossiers_event", six) not in _partitions("dossiers_event")

    out = io.StringIO()
    call_command("partitions", "--ahead", "6", "--no-detach", stdout=out)
    for spec in TABLES.values():
        assert f"created {partition_name(spec.table, six)}" in out.getvalue()
        assert partition_name(spec.table, six) in _partitions(spec.table)
    # Past months on demand (an import of old rows into the DEFAULT partition).
    out = io.StringIO()
    call_command(
        "partitions", "--since", "2025-01", "--no-detach", "--table", "dossiers_event", stdout=out
    )
    assert "created dossiers_event_p202501" in out.getvalue()
    assert partition_name("dossiers_event", add_months(this_month, -1)) in _partitions(
        "dossiers_event"
    )
    # Again: nothing left to do.
    out = io.StringIO()
    call_command("partitions", "--ahead", "6", "--no-detach", stdout=out)
    assert out.getvalue().strip() == "nothing to do"


def test_old_months_are_detached_into_the_archive_but_never_an_outbox_month_with_pending_rows(
    on_postgres,
):
    old = dt.datetime(2024, 3, 15, 10, 0, tzinfo=HCM)
    table = "outbox_outboxmessage"
    pending = _message("partitions:old:1", old)
    dead = _message("partitions:old:2", old + dt.timedelta(days=1), status=OutboxStatus.DEAD)
    partitions.maintain(today=old.date(), ahead=0, detach=False, tables=[table])
    assert _where(table, pending.pk) == f"{table}_p202403"

    out = io.StringIO()
    call_command("partitions", "--detach-older-than", f"{table}=12", "--table", table, stdout=out)
    assert f"refused: {table}_p202403: 2 rows where status IN ('pending', 'dead')" in out.getvalue()
    assert f"{table}_p202403" in _partitions(table)

    OutboxMessage.objects.filter(pk=pending.pk).update(status=OutboxStatus.SENT)
    out = io.StringIO()
    call_command("partitions", "--detach-older-than", f"{table}=12", "--table", table, stdout=out)
    assert "refused: " in out.getvalue()  # the dead one still holds it
    OutboxMessage.objects.filter(pk=dead.pk).update(status=OutboxStatus.SUPERSEDED)

    out = io.StringIO()
    call_command(
        "partitions",
        "--detach-older-than",
        f"{table}=12",
        "--table",
        table,
        "--dry-run",
        stdout=out,
    )
    assert f"would detach {table}_p202403 (retention 12 months)" in out.getvalue()
    call_command("partitions", "--detach-older-than", f"{table}=12", "--table", table, stdout=out)
    assert f"detached {table}_p202403 into archive.{table}_p202403" in out.getvalue()
    assert f"{table}_p202403" not in _partitions(table)
    assert not OutboxMessage.objects.filter(pk__in=[pending.pk, dead.pk]).exists()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM archive.{table}_p202403")  # noqa: S608
        assert cursor.fetchone()[0] == 2
    # This month and the months ahead are never old enough.
    assert month_of(timezone.now()) in _months(table)
    # A table kept for ever (None: the events) is never detached.
    assert partitions.retention_months("dossiers_event") is None


def _months(table: str) -> set[dt.date]:
    with connection.cursor() as cursor:
        return set(partitions.monthly_partitions(cursor, table))


def test_the_idempotency_key_stays_unique_across_months(on_postgres):
    _message("partitions:unique", dt.datetime(2024, 3, 15, tzinfo=HCM))
    with pytest.raises(IntegrityError), transaction.atomic():
        _message("partitions:unique", timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(topic="t", key="k", idempotency_key="partitions:twice"),
                OutboxMessage(topic="t", key="k", idempotency_key="partitions:twice"),
            ]
        )
    # A key freed by a deletion can be used again (as with a unique constraint).
    OutboxMessage.objects.filter(idempotency_key="partitions:unique").delete()
    _message("partitions:unique", timezone.now())


def test_no_database_foreign_key_points_into_a_partitioned_table(on_postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE contype = 'f' AND confrelid IN (SELECT partrelid FROM pg_partitioned_table)"
        )
        assert cursor.fetchall() == []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            related = field.related_model if field.is_relation and field.concrete else None
            if related is not None and related._meta.db_table in TABLES:
                assert field.db_constraint is False, f"{model.__name__}.{field.name}"


# --- the migration on a filled database -----------------------------------------------------

BEFORE = [
    ("dossiers", "0010_watch_at"),
    ("outbox", "0003_superseded"),
    ("accesslog", "0004_workspace_purposes"),
    ("notifications", "0009_appointment_reminder"),
    ("payments", "0001_initial"),
]


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), coalesce(max(id), 0) FROM {table}")  # noqa: S608
        return cursor.fetchone()


def _partitioned(table: str) -> bool:
    with connection.cursor() as cursor:
        return partitions.is_partitioned(cursor, table)


def test_the_migration_partitions_a_filled_database_keeping_every_row(on_postgres, dossier_factory):
    from dossiers.models import Event
    from notifications.models import DeliveryReceipt, Notification

    dossier = dossier_factory(status="received")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    for table in TABLES:
        assert not _partitioned(table), table

    # Fill the plain tables: rows of many months, as a database in use has.
    months = [
        dt.datetime(2023, 11, 20, 8, tzinfo=HCM) + dt.timedelta(days=31 * n) for n in range(8)
    ]
    first = Event.objects.filter(dossier=dossier).first()
    for n, at in enumerate(months):
        event = Event.objects.create(
            dossier=dossier, action=first.action, to_status=first.to_status, at=at, note=str(n)
        )
        _access(at)
        PaymentMessage.objects.create(direction="received", kind="notify", at=at, reference=f"R{n}")
        notice = Notification.objects.create(
            kind=Notification._meta.get_field("kind").choices[0][0],
            channel="sms",
            audience="applicant",
            language="vi",
            dossier=dossier,
            event=event,
            body=f"notice {n}",
            status="sent",
            created_at=at,
        )
        DeliveryReceipt.objects.create(notification=notice, status="delivered", at=at)
        _message(f"fill:{n}", at, status=OutboxStatus.SENT)
    newest = _message("fill:newest", months[-1])
    OutboxMessage.objects.filter(idempotency_key="fill:0").update(
        status=OutboxStatus.SUPERSEDED, superseded_by=newest
    )
    before = {table: _count(table) for table in TABLES}

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    for table, (rows, last_id) in before.items():
        assert _partitioned(table), table
        assert _count(table) == (rows, last_id), table
        assert partition_name(table, dt.date(2023, 11, 1)) in _partitions(table)
    # The rows are in their months' partitions.
    event = Event.objects.get(dossier=dossier, note="0")
    assert _where("dossiers_event", event.pk) == "dossiers_event_p202311"
    # The links survived without their constraints.
    assert OutboxMessage.objects.get(idempotency_key="fill:0").superseded_by_id == newest.pk
    notice = Notification.objects.get(body="notice 3")
    assert notice.event.note == "3"
    assert notice.receipts.get().status == "delivered"
    # New rows: the ids continue after the old ones, in this month's partition.
    fresh = _access(timezone.now())
    assert fresh.pk > before["accesslog_accessrecord"][1]
    assert _where("accesslog_accessrecord", fresh.pk) == partition_name(
        "accesslog_accessrecord", month_of(timezone.now())
    )
    message = _message("fill:after", timezone.now())
    assert message.pk > before["outbox_outboxmessage"][1]
    # The idempotency keys of the copied rows are claimed.
    with pytest.raises(IntegrityError), transaction.atomic():
        _message("fill:3", timezone.now())
    # The access log refuses deletion on the converted table, as before.
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AccessRecord.objects.all()._raw_delete(connection.alias)


# --- on every backend -------------------------------------------------------------------------


def test_the_command_runs_monthly_from_beat(settings):
    from celery import current_app

    import core.tasks  # noqa: F401 - registers the task

    entry = settings.CELERY_BEAT_SCHEDULE["partitions"]
    assert entry["task"] == "core.partitions" and "core.partitions" in current_app.tasks
    schedule = entry["schedule"]
    assert schedule.day_of_month == {1} and schedule.hour == {2} and schedule.minute == {30}


def test_on_sqlite_the_tables_stay_plain_and_the_command_says_so():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    out = io.StringIO()
    call_command("partitions", stdout=out)
    assert out.getvalue().strip() == "not PostgreSQL: plain tables, nothing to do"


def test_the_command_never_shortens_a_legal_retention():
    """Payment platform messages are accounting documents: kept at least 10 years (Law on
    Accounting 88/2015/QH13 art. 41), even for one run of the command."""
    with pytest.raises(CommandError, match="at least 120 months"):
        call_command("partitions", "--detach-older-than", "payments_paymentmessage=24")
