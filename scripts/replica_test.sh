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
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
# A port that is taken (another run of this script, another server) is replaced by a free one.
free_port() {
  "$PY" - "$1" <<'PYCODE'
import socket, sys
wanted = int(sys.argv[1])
for port in (wanted, 0):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(s.getsockname()[1])
        break
PYCODE
}
PRIMARY_PORT=$(free_port "${REPLICA_TEST_PRIMARY_PORT:-5434}")
STANDBY_PORT=$(free_port "${REPLICA_TEST_STANDBY_PORT:-5433}")
if [ "$PRIMARY_PORT" = "$STANDBY_PORT" ]; then STANDBY_PORT=$(free_port 0); fi
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "replica_test: PostgreSQL's server binaries are missing (apt-get install postgresql)" >&2
  exit 2
fi

WORK=$(mktemp -d /tmp/onecua-replica.XXXXXX)
chmod 755 "$WORK"
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres: "$WORK"; fi

cleanup() {
  local code=$?
  for data in "$WORK/standby" "$WORK/primary"; do
    if [ -f "$data/postmaster.pid" ]; then
      as_pg "$PGBIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$WORK"
  exit "$code"
}
trap cleanup EXIT INT TERM

echo "replica_test: primary on $PRIMARY_PORT, standby on $STANDBY_PORT ($WORK)"
as_pg "$PGBIN/initdb" -D "$WORK/primary" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# initdb's pg_hba.conf already lets 127.0.0.1 connect for replication (trust, --auth=trust).
cat >>"$WORK/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$WORK'
wal_level = replica
max_wal_senders = 4
# A throw-away cluster: durability is not needed, speed is.
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" -l "$WORK/primary.log" -w start >/dev/null
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$WORK/standby" -R -X stream
as_pg "$PGBIN/pg_ctl" -D "$WORK/standby" -l "$WORK/standby.log" -o "-p $STANDBY_PORT" -w start >/dev/null
in_recovery=$(as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$STANDBY_PORT" -U postgres -Atc "select pg_is_in_recovery()")
if [ "$in_recovery" != "t" ]; then
  echo "replica_test: the standby is not in recovery" >&2
  exit 1
fi

# pytest-django makes test_onecua on the primary; the standby replays it like everything else.
DATABASE_URL="postgresql://postgres@127.0.0.1:$PRIMARY_PORT/onecua" \
DATABASE_REPLICA_URL="postgresql://postgres@127.0.0.1:$STANDBY_PORT/onecua" \
  "$PY" -m pytest -q -p no:cacheprovider -m replica tests/replica "$@"
