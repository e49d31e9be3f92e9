"""Monthly partitions of the append-only tables on PostgreSQL (docs/partitions.md).

The tables below are partitioned by month on their time column with PostgreSQL's declarative
partitioning (PARTITION BY RANGE), written here by hand rather than with django-postgres-extra
or pg_partman (docs/partitions.md "Why no library"). Everything in this module is PostgreSQL
only: SQLite (the embedded default) keeps plain tables and nothing here runs on it.

- `convert()` / `unconvert()`: the migrations' step turning a plain table into a partitioned one
  (and back): the rows are copied, the identity sequence continues, the indexes, outgoing
  foreign keys and triggers are recreated; the primary key becomes (id, time column), a unique
  index without the time column becomes a plain index (the outbox's idempotency key keeps its
  uniqueness through its own table, outbox/migrations/0004), and foreign keys pointing into the
  table are dropped (the models pointing in declare `db_constraint=False`).
- `maintain()`: the `partitions` command and the monthly beat task: the partitions of the months
  ahead, and the detaching of the months past a table's retention (settings
  `PARTITION_RETENTION_MONTHS`) into the `archive` schema, never a partition still holding rows a
  table must keep live (the outbox's pending and dead messages).

Each table also has a DEFAULT partition, so an insert never fails for want of a partition; a
month's partition created later takes that month's rows out of the default first.
"""

# ruff: noqa: S608 (identifiers come from TABLES and the catalog, quoted; values are parameters)

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection as default_connection
from django.db import transaction

ARCHIVE_SCHEMA = "archive"


@dataclass(frozen=True)
class Spec:
    """A partitioned table: its name, its time column, and the rows that keep a partition in
    the live table whatever its age (an SQL condition; empty: none)."""

    table: str
    key: str
    keep_while: str = ""
    # Whether the table's statement-level triggers are repeated on each partition (the access
    # log's refusals: a DELETE naming a partition must meet them too).
    copy_triggers: bool = False


# The append-only tables (names by value: this module sits below the apps that own them).
TABLES: dict[str, Spec] = {
    spec.table: spec
    for spec in [
        Spec("dossiers_event", "at"),
        Spec("outbox_outboxmessage", "created_at", keep_while="status IN ('pending', 'dead')"),
        Spec("accesslog_accessrecord", "at", copy_triggers=True),
        Spec("notifications_notification", "created_at", keep_while="status = 'pending'"),
        Spec("payments_paymentmessage", "at"),
    ]
}

_MONTH = re.compile(r"_p(\d{4})(\d{2})$")


# --- months ---------------------------------------------------------------------------------


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_of(moment: dt.datetime | dt.date) -> dt.date:
    """The first day of the local month of `moment` (a month is the province's calendar
    month: the partitions' bounds are local midnights)."""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(_zone()).date() if moment.tzinfo else moment.date()
    return moment.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def default_name(table: str) -> str:
    return f"{table}_default"


def _bound(month: dt.date) -> str:
    start = dt.datetime(month.year, month.month, 1, tzinfo=_zone())
    return start.isoformat(sep=" ")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- reading the catalog --------------------------------------------------------------------


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace",
        [table],
    )
    return cursor.fetchone() is not None


def partitions(cursor, table: str) -> list[str]:
    """The names of the partitions attached to `table`, sorted."""
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def monthly_partitions(cursor, table: str) -> dict[dt.date, str]:
    found = {}
    for name in partitions(cursor, table):
        match = _MONTH.search(name)
        if match and name.startswith(table):
            found[dt.date(int(match[1]), int(match[2]), 1)] = name
    return found


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return cursor.fetchone()[0]


def _statement_triggers(cursor, table: str) -> list[str]:
    """The definitions of the statement-level triggers of `table` (PostgreSQL clones row-level
    triggers of a partitioned table onto its partitions by itself, not statement-level ones)."""
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
        "AND NOT tgisinternal AND tgparentid = 0 AND (tgtype & 1) = 0 ORDER BY tgname",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _on(definition: str, table: str, other: str) -> str:
    """A trigger's definition on `table` rewritten for `other`."""
    return re.sub(rf" ON (\S+\.)?{re.escape(table)} ", f" ON {_q(other)} ", definition, count=1)


# --- partitions -----------------------------------------------------------------------------


def _copy_statement_triggers(cursor, table: str, partition: str) -> None:
    # The access log's triggers (accesslog/migrations/0002) refuse UPDATE, DELETE and TRUNCATE
    # of the table; on the partitions too, so that no statement naming a partition escapes them.
    if not TABLES[table].copy_triggers:
        return
    for definition in _statement_triggers(cursor, table):
        cursor.execute(_on(definition, table, partition))


def create_default(cursor, table: str) -> bool:
    name = default_name(table)
    if _exists(cursor, name):
        return False
    cursor.execute(f"CREATE TABLE {_q(name)} PARTITION OF {_q(table)} DEFAULT")
    _copy_statement_triggers(cursor, table, name)
    return True


def create_month(cursor, spec: Spec, month: dt.date) -> str | None:
    """Create the partition of `month` unless it exists; rows of that month already in the
    default partition move into it (in the caller's transaction). Returns what it did."""
    table, key = spec.table, spec.key
    name = partition_name(table, month)
    if _exists(cursor, name):
        return None
    lo, hi = _bound(month), _bound(add_months(month, 1))
    default = default_name(table)
    moved = 0
    if _exists(cursor, default):
        cursor.execute(
            f"SELECT count(*) FROM {_q(default)} WHERE {_q(key)} >= %s AND {_q(key)} < %s",
            [lo, hi],
        )
        moved = cursor.fetchone()[0]
    if moved:
        # Build it aside, move the month's rows out of the default, then attach it (attaching
        # checks the default holds none of them any more).
        cursor.execute(
            f"CREATE TABLE {_q(name)} (LIKE {_q(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f"INSERT INTO {_q(name)} SELECT * FROM {_q(default)} "
            f"WHERE {_q(key)} >= %s AND {_q(key)} < %s",
            [lo, hi],
        )
        # A move, not a deletion: the access log's triggers let it through, and the outbox's
        # idempotency keys stay claimed (outbox/migrations/0004).
        cursor.execute("SET LOCAL onecua.access_log_maintenance = 'on'")
        cursor.execute("SET LOCAL onecua.partition_move = 'on'")
        cursor.execute(
            f"DELETE FROM {_q(default)} WHERE {_q(key)} >= %s AND {_q(key)} < %s", [lo, hi]
        )
        cursor.execute("SET LOCAL onecua.access_log_maintenance = 'off'")
        cursor.execute("SET LOCAL onecua.partition_move = 'off'")
        cursor.execute(
            f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(name)} FOR VALUES FROM (%s) TO (%s)",
            [lo, hi],
        )
    else:
        cursor.execute(
            f"CREATE TABLE {_q(name)} PARTITION OF {_q(table)} FOR VALUES FROM (%s) TO (%s)",
            [lo, hi],
        )
    _copy_statement_triggers(cursor, table, name)
    return f"created {name}" + (f" ({moved} rows moved from {default})" if moved else "")


class Refused(Exception):
    """A partition still holds rows its table must keep live."""


def detach_month(cursor, spec: Spec, month: dt.date) -> str:
    """Detach the partition of `month` and move it into the `archive` schema (in the caller's
    transaction). A partition holding rows of `spec.keep_while` is refused: the check runs on
    the detached table inside the transaction, while DETACH holds its lock, so no row can turn
    pending between the check and the detach."""
    name = partition_name(spec.table, month)
    cursor.execute(f"ALTER TABLE {_q(spec.table)} DETACH PARTITION {_q(name)}")
    if spec.keep_while:
        cursor.execute(f"SELECT count(*) FROM {_q(name)} WHERE {spec.keep_while}")
        live = cursor.fetchone()[0]
        if live:
            raise Refused(f"{name}: {live} rows where {spec.keep_while}; kept attached")
    cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {ARCHIVE_SCHEMA}")
    cursor.execute(f"ALTER TABLE {_q(name)} SET SCHEMA {ARCHIVE_SCHEMA}")
    return f"detached {name} into {ARCHIVE_SCHEMA}.{name}"


def retention_months(table: str) -> int | None:
    """Months a table's partitions stay attached after their month ends (None: for ever)."""
    return settings.PARTITION_RETENTION_MONTHS.get(table)


def maintain(
    *,
    ahead: int | None = None,
    detach: bool = True,
    dry_run: bool = False,
    today: dt.date | None = None,
    tables: list[str] | None = None,
    retention: dict[str, int | None] | None = None,
    since: dt.date | None = None,
    connection=None,
) -> list[str]:
    """Create the partitions of this month and `ahead` months after it for every partitioned
    table; with `detach`, detach the partitions of months ended more than the table's retention
    ago (`retention_months`). One transaction per partition. Returns the lines of what was done
    (or, with `dry_run`, what would be done). `retention` overrides the settings' months for
    the tables it names. `since`: also create the partitions of the months from `since` to this
    one (rows loaded into the DEFAULT partition, e.g. an import of past months, move into
    them)."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return ["not PostgreSQL: plain tables, nothing to do"]
    ahead = settings.PARTITION_MONTHS_AHEAD if ahead is None else ahead
    this_month = month_of(today or dt.datetime.now(_zone()))
    lines = []
    for spec in TABLES.values():
        if tables and spec.table not in tables:
            continue
        with connection.cursor() as cursor:
            if not is_partitioned(cursor, spec.table):
                lines.append(f"{spec.table}: not partitioned (migrations not applied?)")
                continue
            existing = monthly_partitions(cursor, spec.table)
        first = min(month_of(since), this_month) if since else this_month
        n_months = (this_month.year - first.year) * 12 + this_month.month - first.month + ahead
        for n in range(n_months + 1):
            month = add_months(first, n)
            if month in existing:
                continue
            if dry_run:
                lines.append(f"would create {partition_name(spec.table, month)}")
                continue
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                done = create_month(cursor, spec, month)
            if done:
                lines.append(done)
        keep = (
            retention[spec.table]
            if retention and spec.table in retention
            else retention_months(spec.table)
        )
        if not detach or keep is None:
            continue
        # A month is kept while it ended less than `keep` months ago.
        oldest_kept = add_months(this_month, -keep)
        for month, name in sorted(existing.items()):
            if month >= oldest_kept:
                continue
            if dry_run:
                lines.append(f"would detach {name} (retention {keep} months)")
                continue
            try:
                with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                    lines.append(detach_month(cursor, spec, month))
            except Refused as refused:
                lines.append(f"refused: {refused}")
    return lines


# --- the migrations' conversion -------------------------------------------------------------


def _layout(cursor, table: str) -> dict:
    """What a table has that `CREATE TABLE … (LIKE …)` does not copy: its indexes, foreign
    keys, triggers, and the state of its id's sequence."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid), x.indisunique, x.indisprimary, "
        "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid "
        "AND c.conrelid = x.indrelid) "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass ORDER BY i.relname",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), confrelid = conrelid FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint "
        "WHERE confrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    incoming = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
        "AND NOT tgisinternal AND tgparentid = 0 ORDER BY tgname",
        [table],
    )
    triggers = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cursor.fetchone()[0]
    cursor.execute(
        "SELECT attidentity <> '' FROM pg_attribute WHERE attrelid = %s::regclass "
        "AND attname = 'id'",
        [table],
    )
    identity = cursor.fetchone()[0]
    return {
        "indexes": indexes,
        "foreign_keys": foreign_keys,
        "incoming": incoming,
        "triggers": triggers,
        "sequence": sequence,
        "identity": identity,
    }


def _rebuild(cursor, spec: Spec, *, partitioned: bool, ahead: int, today: dt.date) -> None:
    table, key = spec.table, spec.key
    old = f"{table}__old"
    # Deferred foreign key checks of rows written earlier in this transaction would stop the
    # old table's DROP: run them now (Django's constraints are deferrable; deferred again below).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    layout = _layout(cursor, table)
    if partitioned and layout["incoming"]:
        # No foreign key can name (id) of a partitioned table: the models pointing here declare
        # db_constraint=False, in a migration that runs before this one.
        raise RuntimeError(f"foreign keys point into {table}: {layout['incoming']}")
    primary = next(row for row in layout["indexes"] if row[3])[0]
    cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(old)}")
    cursor.execute(f"ALTER INDEX {_q(primary)} RENAME TO {_q(primary + '__old')}")
    cursor.execute(
        f"CREATE TABLE {_q(table)} (LIKE {_q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
        "INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS)"
        + (f" PARTITION BY RANGE ({_q(key)})" if partitioned else "")
    )
    for definition in layout["triggers"]:
        cursor.execute(_on(definition, table, table))
    if partitioned:
        cursor.execute(f"SELECT min({_q(key)}) FROM {_q(old)}")
        first = cursor.fetchone()[0]
        this_month = month_of(today)
        month = min(month_of(first), this_month) if first else this_month
        create_default(cursor, table)
        while month <= add_months(this_month, ahead):
            create_month(cursor, spec, month)
            month = add_months(month, 1)
    cursor.execute(f"INSERT INTO {_q(table)} SELECT * FROM {_q(old)}")
    if layout["identity"]:
        # The new identity sequence continues where the old one stood.
        cursor.execute(f"SELECT last_value, is_called FROM {layout['sequence']}")
        last_value, is_called = cursor.fetchone()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value, is_called])
        cursor.execute(f"DROP TABLE {_q(old)}")
        bare = layout["sequence"].split(".")[-1].strip('"')
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {_q(bare)}")
    else:
        # A serial column: the copied default names the old sequence; the new column owns it.
        cursor.execute(f"ALTER SEQUENCE {layout['sequence']} OWNED BY {_q(table)}.id")
        cursor.execute(f"DROP TABLE {_q(old)}")
    columns = f"id, {_q(key)}" if partitioned else "id"
    cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(primary)} PRIMARY KEY ({columns})")
    for _name, definition, unique, is_primary, _constraint in layout["indexes"]:
        if is_primary:
            continue
        # A partitioned index's definition names its table ON ONLY (not its partitions).
        definition = definition.replace(" ON ONLY ", " ON ", 1)
        if partitioned and unique:
            # A unique index of a partitioned table must hold the partition key: it becomes a
            # plain index (the outbox's idempotency key: see outbox/migrations/0004).
            definition = definition.replace("CREATE UNIQUE INDEX", "CREATE INDEX", 1)
        cursor.execute(definition)
    for name, definition, self_reference in layout["foreign_keys"]:
        if self_reference:
            continue
        cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {definition}")
    cursor.execute(f"ANALYZE {_q(table)}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def convert(schema_editor, table: str, *, today: dt.date | None = None) -> None:
    """The migrations' forward step: `table` becomes partitioned by month (PostgreSQL only; a
    table already partitioned is left alone)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if is_partitioned(cursor, table):
            return
        _rebuild(
            cursor,
            TABLES[table],
            partitioned=True,
            ahead=settings.PARTITION_MONTHS_AHEAD,
            today=today or month_of(dt.datetime.now(_zone())),
        )


def unconvert(schema_editor, table: str) -> None:
    """The migrations' backward step: `table` becomes a plain table again, with every row of
    its attached partitions (detached, archived ones stay in the archive schema)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        if not is_partitioned(cursor, table):
            return
        _rebuild(cursor, TABLES[table], partitioned=False, ahead=0, today=dt.date.today())


def migration_operation(table: str):
    """The RunPython of an app's migration partitioning its table (the state is unchanged)."""
    from django.db import migrations

    def forward(apps, schema_editor):
        convert(schema_editor, table)

    def backward(apps, schema_editor):
        unconvert(schema_editor, table)

    return migrations.RunPython(forward, backward, elidable=False)
