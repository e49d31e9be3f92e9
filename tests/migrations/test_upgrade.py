"""Issue 11 moved models between apps (accounts, core, outbox, organisations, documents). A
database filled at the schema of the previous commit (fixtures made by make_fixtures.sh from
commit 3266794, through that commit's own services) migrates forward with every table and row
kept, and ends with exactly the schema a new database gets; the application then works on it.

Runs on the backend of the suite's run: SQLite, or PostgreSQL when DATABASE_URL points at one
(scratch databases beside the test database). Each migration runs in a subprocess with its own
settings, as an operator would run `manage.py migrate`.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
DATA = HERE / "data"

# Old table -> new table (the models that moved); every other table keeps its name.
RENAMED = {
    "onecua_user": "accounts_user",
    "onecua_user_groups": "accounts_user_groups",
    "onecua_user_user_permissions": "accounts_user_user_permissions",
    "onecua_calendaroverride": "core_calendaroverride",
    "onecua_outboxmessage": "outbox_outboxmessage",
    "procedures_agency": "organisations_agency",
    "procedures_administrativeunit": "organisations_administrativeunit",
    "dossiers_storedfile": "documents_storedfile",
    "dossiers_storedocument": "documents_storedocument",
}
# Tables dropped on purpose: DRF's authtoken (plaintext tokens) gave way to hashed, per-device
# tokens (issue 12, accounts.0003).
DROPPED = {"authtoken_token"}
# Tables whose rows a migration run itself adds to (history, content types).
GROWING = {"django_migrations", "django_content_type", "auth_permission"}


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", CELERY_BROKER_URL="", REDIS_URL="")
    env.update(extra)
    return env


def _manage(env: dict, *args: str, stdin: Path | None = None) -> str:
    with open(stdin) if stdin else open(os.devnull) as source:
        done = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdin=source,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _dump(env: dict, tmp_path: Path) -> dict:
    out = tmp_path / f"dump-{uuid.uuid4().hex}.json"
    _manage({**env, "SCHEMA_DUMP_OUT": str(out)}, "shell", stdin=HERE / "schema_dump.py")
    return json.loads(out.read_text())


class Databases:
    """Two scratch databases of the suite's backend: `old` (the fixture) and `fresh` (empty)."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.vendor = connection.vendor
        self.names: list[str] = []

    def create(self, kind: str, *, from_fixture: bool) -> dict:
        if self.vendor == "sqlite":
            target = self.tmp_path / f"{kind}.sqlite3"
            if from_fixture:
                with gzip.open(DATA / "v1.sqlite3.gz") as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            return _env(SQLITE_PATH=str(target), ONECUA_VAR_DIR=str(self.tmp_path / "var"))
        import psycopg

        base = settings.DATABASES["default"]
        name = f"onecua_upgrade_{kind}_{uuid.uuid4().hex[:8]}"
        self.names.append(name)
        admin = f"postgresql://{base['USER'] or 'postgres'}@{base['HOST'] or '127.0.0.1'}:" + str(
            base["PORT"] or 5432
        )
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{admin}/{name}"
        if from_fixture:
            psql = shutil.which("psql")
            assert psql, "psql (PostgreSQL's client) is needed to load the fixture"
            sql = gzip.decompress((DATA / "v1.postgres.sql.gz").read_bytes())
            done = subprocess.run(  # noqa: S603
                [psql, "-q", "-v", "ON_ERROR_STOP=1", "-d", url],
                input=sql,
                capture_output=True,
            )
            assert done.returncode == 0, done.stderr.decode()
        return _env(DATABASE_URL=url, ONECUA_VAR_DIR=str(self.tmp_path / "var"))

    def drop_all(self) -> None:
        if self.vendor != "postgresql":
            return
        import psycopg

        base = settings.DATABASES["default"]
        admin = f"postgresql://{base['USER'] or 'postgres'}@{base['HOST'] or '127.0.0.1'}:" + str(
            base["PORT"] or 5432
        )
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
            for name in self.names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def databases(tmp_path, django_db_blocker):
    if connection.vendor not in ("sqlite", "postgresql"):
        pytest.skip("SQLite or PostgreSQL only")
    dbs = Databases(tmp_path)
    yield dbs
    dbs.drop_all()


def _schema(dump: dict) -> dict:
    return {
        table: {k: v for k, v in info.items() if k != "rows"}
        for table, info in dump["tables"].items()
    }


# A receiving officer receives the dossier that was waiting at the counter, on the upgraded
# database: the services, the outbox and the indicators all work on the moved tables.
AFTER_UPGRADE = """
from accounts.models import User
from dossiers import services
from dossiers.models import Dossier, Event
from outbox.models import OutboxMessage

clerk = User.objects.get(username="clerk")
waiting = Dossier.objects.get(status="new", summary="Chứng thực bản sao")
services.receive(dossier=waiting.code, actor=clerk)
assert Dossier.objects.get(pk=waiting.pk).status == "received"
assert Event.objects.filter(dossier=waiting, action="receive").count() == 1
assert OutboxMessage.objects.filter(key=f"dossier:{waiting.pk}").count() >= 2
print("UPGRADED-DATABASE-WORKS")
"""


# Issue 12 §5: the personal data the fixture holds in clear are encrypted by the upgrade, their
# keyed hashes filled, and the services still find the citizen, their dossiers and their store
# by number (docs/personal-data.md).
ENCRYPTED_AFTER_UPGRADE = """
from django.db import connection

from accounts.models import User
from accounts.services import citizen_by_personal_id
from core.crypto import is_token
from core.fields import match
from core.identity import subject_key
from documents.selectors import store_of
from dossiers.models import Applicant, Dossier

ID, PHONE = "025090001234", "0912345678"
with connection.cursor() as cursor:
    cursor.execute(
        "SELECT personal_id, phone, address, tax_code, submitter_personal_id, "
        "personal_id_hash, phone_hash, tax_code_hash FROM dossiers_applicant"
    )
    applicants = cursor.fetchall()
    cursor.execute("SELECT username, personal_id, phone, personal_id_hash FROM accounts_user")
    users = cursor.fetchall()
    cursor.execute("SELECT owner_id, owner_id_hash FROM documents_storedocument")
    store = cursor.fetchall()
assert applicants and store
for pid, phone, address, tax, submitter, pid_hash, phone_hash, tax_hash in applicants:
    for clear, token, hashed in ((pid, pid, pid_hash), (phone, phone, phone_hash)):
        assert token == "" or is_token(token), token
    assert (pid_hash != "") == (pid != "") and (phone_hash != "") == (phone != "")
    assert address == "" or is_token(address)
    assert tax == "" and tax_hash == "" or is_token(tax) and tax_hash
for owner, owner_hash in store:
    assert is_token(owner) and len(owner_hash) == 64
users = {row[0]: row[1:] for row in users}
assert is_token(users["an"][0]) and is_token(users["an"][1])
assert users["an"][2] == subject_key(ID)
assert users["clerk"] == ("", "", "")
everything = repr((applicants, users, store))
assert ID not in everything and PHONE not in everything and "Việt Trì" not in everything

# The clear values read back, and the services find them through the hashes.
citizen = citizen_by_personal_id(ID)
assert citizen is not None and citizen.username == "an" and citizen.phone == PHONE
assert User.objects.get(username="an").personal_id == ID
assert Applicant.objects.filter(match("personal_id", ID)).count() == Applicant.objects.filter(
    personal_id_hash=subject_key(ID)
).count() == sum(1 for row in applicants if row[5] == subject_key(ID)) > 0
assert {a.personal_id for a in Applicant.objects.all()} >= {ID}
assert Dossier.objects.filter(match("applicant__phone", PHONE)).exists()
assert store_of(citizen).count() == len(store)
print("ENCRYPTED-AND-FOUND")
"""


def test_a_database_at_the_previous_schema_migrates_forward_with_nothing_lost(databases, tmp_path):
    old_env = databases.create("old", from_fixture=True)
    before = _dump(old_env, tmp_path)
    assert before["tables"]["onecua_user"]["rows"] == 5  # the fixture is what it says

    _manage(old_env, "migrate", "--noinput", "-v0")
    after = _dump(old_env, tmp_path)

    # Every table is still there, under its new name when its model moved, with every row.
    for table, info in before["tables"].items():
        if table in DROPPED:
            assert table not in after["tables"], f"{table} was not dropped"
            continue
        new_name = RENAMED.get(table, table)
        assert new_name in after["tables"], f"{table} ({new_name}) is gone"
        if table not in GROWING:
            assert after["tables"][new_name]["rows"] == info["rows"], table
    assert not set(RENAMED) & set(after["tables"]), "an old table was left behind"

    contents = after["contents"]
    assert contents["dossier_codes"] and len(contents["dossier_codes"]) == 4
    codes = {row[0] for row in contents["dossier_codes"]}
    # The data store's link to its dossier became the dossier's code, for every document.
    assert contents["store"], "the fixture has store documents"
    for kind, number, source in contents["store"]:
        assert source in codes, (kind, number, source)
        if kind == "e_result":
            assert number == source
    # Permissions and admin history follow the moved models (no stale onecua content types).
    assert ["accounts", "user"] in contents["content_types"]
    assert not [row for row in contents["content_types"] if row[0] == "onecua"]

    # The upgraded database has exactly the schema a new database gets.
    fresh_env = databases.create("fresh", from_fixture=False)
    _manage(fresh_env, "migrate", "--noinput", "-v0")
    fresh = _dump(fresh_env, tmp_path)
    assert _schema(after) == _schema(fresh)

    # And the application works on it.
    script = tmp_path / "after_upgrade.py"
    script.write_text(AFTER_UPGRADE)
    assert "UPGRADED-DATABASE-WORKS" in _manage(old_env, "shell", stdin=script)
    script = tmp_path / "encrypted_after_upgrade.py"
    script.write_text(ENCRYPTED_AFTER_UPGRADE)
    assert "ENCRYPTED-AND-FOUND" in _manage(old_env, "shell", stdin=script)


def test_a_second_migrate_changes_nothing(databases, tmp_path):
    env = databases.create("again", from_fixture=True)
    _manage(env, "migrate", "--noinput", "-v0")
    first = _dump(env, tmp_path)
    out = _manage(env, "migrate", "--noinput")
    assert "No migrations to apply" in out
    assert _schema(_dump(env, tmp_path)) == _schema(first)
