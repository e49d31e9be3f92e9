"""Where generated rows go: PostgreSQL by COPY (the fast path), any other database by the ORM's
bulk_create (small counts, the tests on SQLite).

Rows arrive as tuples with instants in epoch seconds (`Batch`); each sink turns them into what
its database takes. Both write inside the caller's transaction.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection

from core.crypto import blind_index, encrypt
from dossiers.models import Applicant, Dossier, Event, Pause, StepRun, bulk_writes
from integrations.portal.sync import TOPIC, key_for
from outbox.models import OutboxMessage, OutboxStatus

# Column orders of the tuples in a Batch (the COPY column lists too).
APPLICANT_COLUMNS = (
    "id", "kind", "full_name", "personal_id", "tax_code", "phone", "email", "address",
    "unit_id", "submitter_name", "submitter_personal_id", "authorisation_document",
)  # fmt: skip
# COPY writes the ciphertexts and the keyed hashes itself (bulk_create's fields do it for the ORM).
COPY_APPLICANT_COLUMNS = (*APPLICANT_COLUMNS, "personal_id_hash", "tax_code_hash", "phone_hash")
DOSSIER_COLUMNS = (
    "id", "code", "procedure_id", "terms", "applicant_id", "channel", "receiving_agency_id",
    "handling_agency_id", "summary", "status", "submitted_at", "received_at", "due_at",
    "original_due_at", "finished_at", "returned_at", "return_method", "outcome",
    "outcome_reason", "reschedule_count", "supplement_asked_at_receipt",
    "supplement_asked_in_processing", "supplement_deadline", "next_step_role", "next_step_order",
    "is_digitised", "is_reused", "has_e_result", "paid_online", "vneid_verified", "updated_at",
)  # fmt: skip
# COPY names every NOT NULL column without a database default: the fee flags are false, as the
# generator makes no owed fee lines (docs/payments.md; the ORM path takes the models' defaults).
COPY_DOSSIER_COLUMNS = (*DOSSIER_COLUMNS, "fees_owed", "refund_pending")
EVENT_COLUMNS = ("id", "dossier_id", "action", "from_status", "to_status", "at", "note", "payload")
OUTBOX_COLUMNS = (
    "id", "topic", "key", "reference", "idempotency_key", "status", "attempts",
    "next_attempt_at", "last_error", "created_at", "sent_at", "supersedes",
)  # fmt: skip
PAUSE_COLUMNS = (
    "id", "dossier_id", "kind", "reason", "resume_to", "opened_at", "respond_by",
    "due_at_when_opened", "closed_at",
)  # fmt: skip
STEP_COLUMNS = (
    "id", "dossier_id", "order", "name", "role", "agency_id", "started_at", "due_at",
    "finished_at", "timing", "note",
)  # fmt: skip
TIME_COLUMNS = {
    "submitted_at", "received_at", "due_at", "original_due_at", "finished_at", "returned_at",
    "supplement_deadline", "updated_at", "at", "next_attempt_at", "created_at", "sent_at",
    "opened_at", "respond_by", "due_at_when_opened", "closed_at", "started_at",
}  # fmt: skip
JSON_COLUMNS = {"terms", "payload", "reference"}


@dataclass
class Batch:
    applicants: list = field(default_factory=list)
    dossiers: list = field(default_factory=list)
    events: list = field(default_factory=list)
    outbox: list = field(default_factory=list)
    pauses: list = field(default_factory=list)
    steps: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.dossiers)


def tables():
    return {
        "applicants": (Applicant, APPLICANT_COLUMNS),
        "dossiers": (Dossier, DOSSIER_COLUMNS),
        "events": (Event, EVENT_COLUMNS),
        "outbox": (OutboxMessage, OUTBOX_COLUMNS),
        "pauses": (Pause, PAUSE_COLUMNS),
        "steps": (StepRun, STEP_COLUMNS),
    }


def outbox_row(message_id: int, event_id: int, dossier_id: int, action: str, at: int, lag, tries):
    """The message `integrations.portal.sync.on_dossier_changed` writes (its topic, key,
    reference, idempotency key; a whole record, so it supersedes), already delivered."""
    sent = at + lag
    return (
        message_id,
        TOPIC,
        key_for(dossier_id),
        {"dossier": dossier_id, "event": event_id, "action": action},
        f"{TOPIC}:event:{event_id}",
        OutboxStatus.SENT,
        tries,
        sent if tries > 1 else at,
        "",
        at,
        sent,
        True,
    )


def pending(row: tuple) -> tuple:
    """`row` not delivered yet (its event happened less than its lag ago)."""
    at = row[9]
    return (*row[:5], OutboxStatus.PENDING, 0, at, "", at, None, row[11])


# --- the ORM ------------------------------------------------------------------------------------
def _aware(value):
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC)


class OrmSink:
    """bulk_create, for SQLite and small counts."""

    def __init__(self, batch_size: int = 2000):
        self.batch_size = batch_size
        self.tables = tables()

    def start(self, rebuild_indexes: bool) -> None:
        pass

    def write(self, batch: Batch) -> None:
        for name in ("applicants", "dossiers", "events", "outbox", "pauses", "steps"):
            rows = getattr(batch, name)
            if not rows:
                continue
            model, columns = self.tables[name]
            times = [i for i, c in enumerate(columns) if c in TIME_COLUMNS]
            objects = []
            for row in rows:
                values = list(row)
                for i in times:
                    values[i] = _aware(values[i])
                if name == "dossiers":
                    values[3] = values[3].terms  # the ProcedureInfo → its frozen terms
                objects.append(model(**dict(zip(columns, values, strict=True))))
            # Keep the generated `updated_at` (auto_now would stamp the time of the run).
            stamped = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
            for f in stamped:
                f.auto_now = False
            try:
                # A load of generated history: past the one door on purpose (rebuild_stats
                # recounts after it).
                with bulk_writes():
                    model.objects.bulk_create(objects, batch_size=self.batch_size)
            finally:
                for f in stamped:
                    f.auto_now = True

    def finish(self) -> dict:
        return {}


# --- PostgreSQL: COPY from a writer thread --------------------------------------------------
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_DAYS: dict[int, str] = {}


def copy_text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def ts(value) -> str:
    """An epoch instant as PostgreSQL's timestamptz text (UTC)."""
    if value is None:
        return "\\N"
    whole = int(value)
    day, rest = divmod(whole, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    if value != whole:
        micro = int((value - whole) * 1_000_000)
        return f"{prefix} {hour:02d}:{minute:02d}:{second:02d}.{micro:06d}+00"
    return f"{prefix} {hour:02d}:{minute:02d}:{second:02d}+00"


def _b(value: bool) -> str:
    return "t" if value else "f"


def _n(value) -> str:
    return "\\N" if value is None else str(value)


def _j(value) -> str:
    return copy_text(json.dumps(value, ensure_ascii=False))


def lines_applicants(rows) -> str:
    """The applicants as the application stores them: the personal ID, tax code, phone, address
    and submitter's ID encrypted (Fernet tokens hold no COPY escape), the keyed hashes of the
    first three appended (COPY_APPLICANT_COLUMNS; docs/personal-data.md)."""
    return "".join(
        f"{r[0]}\t{r[1]}\t{copy_text(r[2])}\t{encrypt(r[3])}\t{encrypt(r[4])}\t{encrypt(r[5])}\t"
        f"{r[6]}\t{encrypt(r[7])}\t{_n(r[8])}\t{copy_text(r[9])}\t{encrypt(r[10])}\t"
        f"{copy_text(r[11])}\t{blind_index(r[3])}\t{blind_index(r[4])}\t{blind_index(r[5])}\n"
        for r in rows
    )


_TERMS: dict[int, tuple] = {}


def _terms_text(proc) -> str:
    """The procedure's frozen terms as COPY text, escaped once per procedure."""
    cached = _TERMS.get(id(proc))
    if cached is None or cached[0] is not proc:
        cached = _TERMS[id(proc)] = (proc, copy_text(proc.terms_json))
    return cached[1]


def lines_dossiers(rows) -> str:
    out = []
    for r in rows:
        out.append(
            f"{r[0]}\t{r[1]}\t{r[2]}\t{_terms_text(r[3])}\t{r[4]}\t{r[5]}\t{r[6]}\t{r[7]}\t"
            f"{copy_text(r[8])}\t{r[9]}\t{ts(r[10])}\t{ts(r[11])}\t{ts(r[12])}\t{ts(r[13])}\t"
            f"{ts(r[14])}\t{ts(r[15])}\t{r[16]}\t{r[17]}\t{copy_text(r[18])}\t{r[19]}\t"
            f"{_b(r[20])}\t{_b(r[21])}\t{ts(r[22])}\t{r[23]}\t{_n(r[24])}\t{_b(r[25])}\t"
            f"{_b(r[26])}\t{_b(r[27])}\t{_b(r[28])}\t{_b(r[29])}\t{ts(r[30])}\tf\tf\n"
        )
    return "".join(out)


def lines_events(rows) -> str:
    return "".join(
        f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{ts(r[5])}\t{copy_text(r[6])}\t{_j(r[7])}\n"
        for r in rows
    )


def lines_outbox(rows) -> str:
    return "".join(
        f"{r[0]}\t{r[1]}\t{r[2]}\t{_j(r[3])}\t{r[4]}\t{r[5]}\t{r[6]}\t{ts(r[7])}\t\t"
        f"{ts(r[9])}\t{ts(r[10])}\t{_b(r[11])}\n"
        for r in rows
    )


def lines_pauses(rows) -> str:
    return "".join(
        f"{r[0]}\t{r[1]}\t{r[2]}\t{copy_text(r[3])}\t{r[4]}\t{ts(r[5])}\t{ts(r[6])}\t"
        f"{ts(r[7])}\t{ts(r[8])}\n"
        for r in rows
    )


def lines_steps(rows) -> str:
    return "".join(
        f"{r[0]}\t{r[1]}\t{r[2]}\t{copy_text(r[3])}\t{r[4]}\t{_n(r[5])}\t{ts(r[6])}\t"
        f"{ts(r[7])}\t{ts(r[8])}\t{r[9]}\t{copy_text(r[10])}\n"
        for r in rows
    )


FORMATTERS = {
    "applicants": lines_applicants,
    "dossiers": lines_dossiers,
    "events": lines_events,
    "outbox": lines_outbox,
    "pauses": lines_pauses,
    "steps": lines_steps,
}


def _quoted(columns) -> str:
    return ", ".join(f'"{c}"' for c in columns)


class PostgresSink:
    """COPY in text format on the current connection (inside the caller's transaction), from a
    writer thread so that PostgreSQL parses one batch while Python builds the next. Secondary
    indexes of the written tables can be dropped first and rebuilt at the end (as their exact
    `pg_get_indexdef`), and foreign keys are not checked row by row (session_replication_role =
    replica, for this transaction only, when the role may): every reference is built from
    existing rows."""

    def __init__(self):
        self.tables = {
            **tables(),
            "applicants": (Applicant, COPY_APPLICANT_COLUMNS),
            "dossiers": (Dossier, COPY_DOSSIER_COLUMNS),
        }
        self.indexes: list[tuple[str, str]] = []
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        self.raw = None

    def start(self, rebuild_indexes: bool) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            if rebuild_indexes:
                names = [model._meta.db_table for model, _ in self.tables.values()]
                cursor.execute(
                    """
                    SELECT i.relname, pg_get_indexdef(i.oid)
                    FROM pg_index x
                    JOIN pg_class i ON i.oid = x.indexrelid
                    JOIN pg_class t ON t.oid = x.indrelid
                    WHERE t.relname = ANY(%s)
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
                    """,
                    [names],
                )
                self.indexes = cursor.fetchall()
                for name, _ in self.indexes:
                    cursor.execute(f'DROP INDEX "{name}"')
        connection.ensure_connection()
        self.raw = connection.connection
        self.thread = threading.Thread(target=self._writer, name="generate-copy", daemon=True)
        self.thread.start()

    def _writer(self) -> None:
        while True:
            batch = self.queue.get()
            if batch is None:
                return
            if self.error is not None:
                continue  # drain: the main thread raises it
            try:
                with self.raw.cursor() as cursor:
                    for name in ("applicants", "dossiers", "events", "outbox", "pauses", "steps"):
                        rows = getattr(batch, name)
                        if not rows:
                            continue
                        model, columns = self.tables[name]
                        text = FORMATTERS[name](rows)
                        sql = f'COPY "{model._meta.db_table}" ({_quoted(columns)}) FROM STDIN'
                        with cursor.copy(sql) as copy:
                            copy.write(text)
            except BaseException as exc:  # reported by write()/finish()
                self.error = exc

    def write(self, batch: Batch) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def finish(self) -> dict:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for _, definition in self.indexes:
                # A partitioned table's index (docs/partitions.md) prints as ON ONLY the parent:
                # recreate it on the partitions too.
                cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
            for model, _ in self.tables.values():
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            cursor.execute("SELECT to_regclass('outbox_idempotencykey') IS NOT NULL")
            if cursor.fetchone()[0]:
                # The outbox's idempotency keys (outbox/migrations/0004): their trigger did not
                # run under session_replication_role = replica.
                cursor.execute(
                    "INSERT INTO outbox_idempotencykey (idempotency_key) "
                    "SELECT idempotency_key FROM outbox_outboxmessage ON CONFLICT DO NOTHING"
                )
        return {
            "rebuilt_indexes": len(self.indexes),
            "rebuild_indexes_s": round(time.perf_counter() - start, 1),
        }
