# Throw-away PostgreSQL clusters for the scripts that test against them (scripts/replica_test.sh,
# scripts/backup_test.sh): sourced, not run. The caller has `set -euo pipefail` and is in the
# repository's root. Defines:
#
#   ROOT, PY, PGBIN        the repository, its Python, PostgreSQL's server binaries (PGBIN, default
#                          the newest /usr/lib/postgresql/*/bin; empty when there are none)
#   free_port PORT [reuse] PORT if it is free, else a free one ("reuse": bind as PostgreSQL does,
#                          SO_REUSEADDR, so that a port left in TIME_WAIT counts as free)
#   pg_scratch_begin NAME KEEP CLUSTER...
#                          WORK, a new folder /tmp/onecua-NAME.XXXXXX (the postgres user's when
#                          run as root), and a trap on EXIT, INT and TERM that stops the clusters
#                          $WORK/CLUSTER (in that order) and removes WORK (kept when KEEP is 1)
#   as_pg COMMAND...       COMMAND as the postgres OS user when run as root (initdb refuses root)
#   pg_scratch_initdb CLUSTER PORT
#                          initdb $WORK/CLUSTER listening on 127.0.0.1:PORT, its socket in WORK,
#                          wal_level=replica, no durability (more settings: append to its
#                          postgresql.conf before starting it)
#   pg_scratch_start CLUSTER [pg_ctl options]
#                          starts $WORK/CLUSTER, its log in $WORK/CLUSTER.log
#   psql_at PORT DATABASE SQL
#                          the SQL's result, unaligned, tuples only
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

# A port that is taken (another run of the script, another server) is replaced by a free one.
free_port() {
  "$PY" - "$1" "${2:-}" <<'PYCODE'
import socket, sys
wanted = int(sys.argv[1])
for port in (wanted, 0):
    with socket.socket() as s:
        if sys.argv[2] == "reuse":
            # As PostgreSQL binds: a port left in TIME_WAIT by the last run's clients is free.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(s.getsockname()[1])
        break
PYCODE
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_scratch_begin() {
  PG_SCRATCH_NAME=$1
  PG_SCRATCH_KEEP=$2
  shift 2
  PG_SCRATCH_CLUSTERS=("$@")
  WORK=$(mktemp -d "/tmp/onecua-$PG_SCRATCH_NAME.XXXXXX")
  chmod 755 "$WORK"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$WORK"; fi
  trap pg_scratch_cleanup EXIT INT TERM
}

pg_scratch_cleanup() {
  local code=$? cluster
  for cluster in "${PG_SCRATCH_CLUSTERS[@]}"; do
    if [ -f "$WORK/$cluster/postmaster.pid" ]; then
      as_pg "$PGBIN/pg_ctl" -D "$WORK/$cluster" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
  if [ "$PG_SCRATCH_KEEP" = 1 ]; then
    echo "${PG_SCRATCH_NAME}_test: kept $WORK (clusters stopped)" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$code"
}

pg_scratch_initdb() {
  as_pg "$PGBIN/initdb" -D "$WORK/$1" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  # initdb's pg_hba.conf already lets 127.0.0.1 connect for replication (trust, --auth=trust).
  cat >>"$WORK/$1/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $2
unix_socket_directories = '$WORK'
wal_level = replica
max_wal_senders = 4
# A throw-away cluster: durability is not needed, speed is.
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
}

pg_scratch_start() {
  local cluster=$1
  shift
  as_pg "$PGBIN/pg_ctl" -D "$WORK/$cluster" -l "$WORK/$cluster.log" "$@" -w start >/dev/null
}

psql_at() {
  as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$1" -U postgres -d "$2" -XAtqc "$3"
}
