#!/usr/bin/env bash
# Re-make the pre-split fixtures of tests/migrations/test_upgrade.py: a database at the schema
# of commit 3266794 (before issue 11 split `onecua/` into config/, core/, accounts/,
# organisations/, outbox/ and documents/), filled by fill_v1.py through that commit's services.
# Needs git history, the project's .venv, and PostgreSQL on 127.0.0.1:5432 (user postgres).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
COMMIT=32667943dc39de59a68b8a6b2d49da12f8e75389
PY=${PY:-$ROOT/.venv/bin/python}
OUT=$ROOT/tests/migrations/data
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
git archive "$COMMIT" | tar -x -C "$TMP/"
cp tests/migrations/fill_v1.py "$TMP/fill_v1.py"
cd "$TMP"
export ONECUA_VAR_DIR=$TMP/var CELERY_BROKER_URL= REDIS_URL=
# SQLite
env -u DATABASE_URL SQLITE_PATH=$TMP/v1.sqlite3 "$PY" manage.py migrate -v0
env -u DATABASE_URL SQLITE_PATH=$TMP/v1.sqlite3 "$PY" manage.py make_signing_ca >/dev/null
env -u DATABASE_URL SQLITE_PATH=$TMP/v1.sqlite3 "$PY" manage.py shell < fill_v1.py
"$PY" -c "import sqlite3; sqlite3.connect('$TMP/v1.sqlite3').execute('VACUUM')"
gzip -9 -c v1.sqlite3 > "$OUT/v1.sqlite3.gz"
# PostgreSQL
DB=onecua_fixture_v1
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
DATABASE_URL=postgresql://postgres@127.0.0.1:5432/$DB "$PY" manage.py migrate -v0
DATABASE_URL=postgresql://postgres@127.0.0.1:5432/$DB "$PY" manage.py shell < fill_v1.py
pg_dump -h 127.0.0.1 -U postgres --no-owner --no-privileges "$DB" | gzip -9 > "$OUT/v1.postgres.sql.gz"
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE $DB"
ls -la "$OUT"
