#!/usr/bin/env bash
# The read-replica tests (tests/replica/, marker `replica`) against a real streaming replica
# (docs/deployment.md "Read replica"):
#
#   bash scripts/replica_test.sh [pytest arguments]
#
# Makes a throw-away PostgreSQL primary (initdb, port 5434, replication allowed from 127.0.0.1)
# and its hot standby (pg_basebackup -R -X stream, port 5433) under a temporary folder, runs
# `pytest -m replica tests/replica` with DATABASE_URL on the primary and DATABASE_REPLICA_URL on
# the standby, then stops both and removes the folder (also on failure or Ctrl-C).
#
# Why not a standby of the machine's own server (5432): its pg_hba.conf has no `replication`
# line (a change there is the administrator's), and a base backup would copy every database it
# holds (the 10M-dossier bench ones too). A private pair needs only Debian's PostgreSQL binaries
# (/usr/lib/postgresql/<version>/bin); as root the servers run as the `postgres` OS user (initdb
# refuses root).
#
# Environment: PGBIN (default: the newest /usr/lib/postgresql/*/bin), REPLICA_TEST_PRIMARY_PORT
# (5434), REPLICA_TEST_STANDBY_PORT (5433) (a free port instead when taken); REDIS_URL and ONECUA_TEST_BROKER_DB pass through.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg_scratch.sh
PRIMARY_PORT=$(free_port "${REPLICA_TEST_PRIMARY_PORT:-5434}")
STANDBY_PORT=$(free_port "${REPLICA_TEST_STANDBY_PORT:-5433}")
if [ "$PRIMARY_PORT" = "$STANDBY_PORT" ]; then STANDBY_PORT=$(free_port 0); fi
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "replica_test: PostgreSQL's server binaries are missing (apt-get install postgresql)" >&2
  exit 2
fi

pg_scratch_begin replica "" standby primary

echo "replica_test: primary on $PRIMARY_PORT, standby on $STANDBY_PORT ($WORK)"
pg_scratch_initdb primary "$PRIMARY_PORT"
pg_scratch_start primary
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$WORK/standby" -R -X stream
pg_scratch_start standby -o "-p $STANDBY_PORT"
in_recovery=$(psql_at "$STANDBY_PORT" postgres "select pg_is_in_recovery()")
if [ "$in_recovery" != "t" ]; then
  echo "replica_test: the standby is not in recovery" >&2
  exit 1
fi

# pytest-django makes test_onecua on the primary; the standby replays it like everything else.
DATABASE_URL="postgresql://postgres@127.0.0.1:$PRIMARY_PORT/onecua" \
DATABASE_REPLICA_URL="postgresql://postgres@127.0.0.1:$STANDBY_PORT/onecua" \
  "$PY" -m pytest -q -p no:cacheprovider -m replica tests/replica "$@"
