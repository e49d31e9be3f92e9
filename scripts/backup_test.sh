#!/usr/bin/env bash
# Backups proven by restoring them (docs/deployment.md "Backups and point-in-time recovery"):
#
#   bash scripts/backup_test.sh [pytest arguments]
#
# 1. A throw-away primary (initdb, port 5435) archiving its WAL continuously through pgBackRest
#    (archive_command = pgbackrest archive-push, a repository and a stanza in a temporary folder),
#    onecua's schema migrated into it, the documents storage in a temporary MEDIA_ROOT.
# 2. Phase 1: dossiers written through the services (tests/backup/workload.py: filed online with
#    an uploaded PDF, received, assigned, handed over, approved with a signed e-result); a FULL
#    pgBackRest backup; the files backed up beside it (scripts/files_backup.sh).
# 3. Phase 2: more dossiers; the state (dossier codes and statuses, events, files and SHA-256)
#    recorded with the target time T read from the server's clock.
# 4. Phase 3: more dossiers, after T: they must NOT come back. The files backed up again (the
#    store is append-only: a copy taken after T holds every file of T). RPO: the time from the
#    last commit until its WAL is in the repository, archive_timeout switching the segment.
# 5. Restore: `pgbackrest restore --type=time --target=T --target-action=promote` into a new
#    folder, started on port 5436 (archiving off); the files restored into a new media folder.
#    RTO: from the restore command until the cluster is promoted and the files verified.
# 6. `pytest -m backup tests/backup` checks the restored cluster and files against the state at T.
#
# Everything (both clusters, the repository, the folders) is removed at the end, also on failure.
# pgBackRest (Debian package `pgbackrest`) and rsync are installed with apt-get when missing
# (as root); without them the script fails under CI=true, else exits 3 (skipped).
#
# Environment: PGBIN (default: the newest /usr/lib/postgresql/*/bin), BACKUP_TEST_PRIMARY_PORT
# (5435), BACKUP_TEST_RESTORE_PORT (5436), BACKUP_TEST_DOSSIERS (12 a phase; phase 3 has half),
# BACKUP_TEST_ARCHIVE_TIMEOUT (10 s), BACKUP_TEST_FILLER_MB (0: a table of that many MB written
# before the full backup and half as much rewritten between it and T, and a quarter as many MB
# of 1 MB files in the documents storage, to measure the restore, replay and files rates for the
# RTO's extrapolation), BACKUP_TEST_KEEP=1 (keep the folder to look at).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/pg_scratch.sh
COUNT=${BACKUP_TEST_DOSSIERS:-12}
ARCHIVE_TIMEOUT=${BACKUP_TEST_ARCHIVE_TIMEOUT:-10}
FILLER_MB=${BACKUP_TEST_FILLER_MB:-0}
say() { printf '\n== backup_test: %s\n' "$*"; }
skip_or_fail() {
  if [ "${CI:-}" = "true" ]; then
    echo "backup_test: $* (CI=true: failing)" >&2
    exit 1
  fi
  echo "backup_test: SKIPPED: $*" >&2
  exit 3
}

if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  skip_or_fail "PostgreSQL's server binaries are missing (apt-get install postgresql)"
fi
if ! command -v pgbackrest >/dev/null || ! command -v rsync >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing Debian's pgbackrest and rsync (apt-get)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbackrest rsync >/dev/null; } ||
      skip_or_fail "apt-get could not install pgbackrest and rsync"
  fi
  command -v pgbackrest >/dev/null && command -v rsync >/dev/null ||
    skip_or_fail "pgbackrest or rsync is missing and cannot be installed here (apt-get install pgbackrest rsync, as root)"
fi

PRIMARY_PORT=$(free_port "${BACKUP_TEST_PRIMARY_PORT:-5435}" reuse)
RESTORE_PORT=$(free_port "${BACKUP_TEST_RESTORE_PORT:-5436}" reuse)
if [ "$PRIMARY_PORT" = "$RESTORE_PORT" ]; then RESTORE_PORT=$(free_port 0 reuse); fi

pg_scratch_begin backup "${BACKUP_TEST_KEEP:-}" restored primary

STANZA=onecua
CONF="$WORK/pgbackrest.conf"
# The repository, its logs and locks, all in the folder (as the postgres user, who runs
# archive_command). Production's configuration is in docs/deployment.md.
as_pg mkdir -p "$WORK/repo" "$WORK/log" "$WORK/lock" "$WORK/spool"
as_pg tee "$CONF" >/dev/null <<CONF
[global]
repo1-path=$WORK/repo
repo1-retention-full=2
# As production (docs/deployment.md): an encrypted repository, WAL pushed asynchronously.
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')
archive-async=y
log-path=$WORK/log
lock-path=$WORK/lock
spool-path=$WORK/spool
log-level-console=warn
log-level-file=info
start-fast=y
compress-type=lz4
process-max=2

[$STANZA]
pg1-path=$WORK/primary
pg1-port=$PRIMARY_PORT
pg1-socket-path=$WORK
CONF
BR=(pgbackrest "--config=$CONF" "--stanza=$STANZA")
now() { date +%s.%N; }
secs() { "$PY" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

say "Primary on $PRIMARY_PORT archiving through pgBackRest ($WORK)"
# Durability off as in every throw-away cluster (the repository's files are synced by pgBackRest).
pg_scratch_initdb primary "$PRIMARY_PORT"
cat >>"$WORK/primary/postgresql.conf" <<CONF
archive_mode = on
archive_command = 'pgbackrest --config=$CONF --stanza=$STANZA archive-push %p'
# A quiet server switches its WAL segment (and archives it) after this long at most: the RPO.
archive_timeout = $ARCHIVE_TIMEOUT
CONF
pg_scratch_start primary
as_pg "${BR[@]}" stanza-create
as_pg "${BR[@]}" check
psql_at "$PRIMARY_PORT" postgres "CREATE DATABASE onecua"

export DATABASE_URL="postgresql://postgres@127.0.0.1:$PRIMARY_PORT/onecua"
export ONECUA_MOCKS=1 ONECUA_VAR_DIR="$WORK/var" MEDIA_ROOT="$WORK/media"
export SECRET_KEY="backup-test-$(date +%s%N)" LOG_LEVEL=WARNING
export DJANGO_SETTINGS_MODULE=config.settings
unset CELERY_BROKER_URL REDIS_URL DATABASE_REPLICA_URL ONECUA_DOCUMENTS_STORAGE ONECUA_SIGNING_DIR
unset ONECUA_SIGNING_KEY ONECUA_SIGNING_CERT ONECUA_SIGNING_CHAIN ONECUA_SIGNING_TRUST_ROOTS
mkdir -p "$WORK/var" "$WORK/media"
DOCUMENTS="$MEDIA_ROOT/documents"
FILES_REPO="$WORK/repo/files"  # beside pgBackRest's repository (backup/ and archive/)

say "Migrating onecua's schema, the signing CA, the small world"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py make_signing_ca >/dev/null
"$PY" -m tests.backup.workload setup

say "Phase 1: $COUNT dossiers, then a full backup and the files"
"$PY" -m tests.backup.workload write --phase 1 --count "$COUNT"
if [ "$FILLER_MB" -gt 0 ]; then
  # ~1 KB rows of hexadecimal text, all different: lz4 hardly shrinks them, the worst case for
  # the restore rate (a repeated string would shrink fifty times and flatter it).
  psql_at "$PRIMARY_PORT" onecua "CREATE TABLE backup_test_filler AS
    SELECT n, (SELECT string_agg(md5(n::text || '.' || k::text), '') FROM generate_series(1, 31) k)
      AS payload FROM generate_series(1, $FILLER_MB * 1000) n"
  # And a quarter as many MB of 1 MB files in the documents storage (scans' size; referenced by
  # no row: the files restore's copy-and-hash rate).
  mkdir -p "$DOCUMENTS/filler"
  for n in $(seq 1 $((FILLER_MB / 4))); do
    head -c 1000000 /dev/urandom >"$DOCUMENTS/filler/$n.bin"
  done
fi
t0=$(now)
as_pg "${BR[@]}" --type=full backup
t1=$(now)
FULL_SECONDS=$(secs "$t0" "$t1")
BACKUP_LSN=$(psql_at "$PRIMARY_PORT" postgres "SELECT pg_current_wal_lsn()")
FILES_BACKUP_SETTLE_SECONDS=0 bash scripts/files_backup.sh backup "$DOCUMENTS" "$FILES_REPO"

say "Phase 2: $COUNT dossiers, then the state at the target time T"
"$PY" -m tests.backup.workload write --phase 2 --count "$COUNT"
if [ "$FILLER_MB" -gt 0 ]; then
  psql_at "$PRIMARY_PORT" onecua "UPDATE backup_test_filler SET payload = upper(payload) WHERE n % 2 = 0"
fi
"$PY" -m tests.backup.workload state --out "$WORK/state_at_target.json"
TARGET=$("$PY" -c "import json, sys; print(json.load(open(sys.argv[1]))['target_time'])" "$WORK/state_at_target.json")
TARGET_LSN=$(psql_at "$PRIMARY_PORT" postgres "SELECT pg_current_wal_lsn()")
sleep 0.5

say "Phase 3: $((COUNT / 2)) dossiers after T (must not come back), the files again"
"$PY" -m tests.backup.workload write --phase 3 --count $((COUNT / 2))
# RPO: from the last commit until the WAL segment holding it is in the repository, on a quiet
# server (archive_timeout switches the segment; nothing forces it here). pg_walfile_name gives
# the segment holding the last byte written (the previous one at a boundary).
last_commit=$(now)
last_wal=$(psql_at "$PRIMARY_PORT" postgres "SELECT pg_walfile_name(pg_current_wal_lsn())")
while :; do
  archived=$(psql_at "$PRIMARY_PORT" postgres "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
  if [ -n "$archived" ] && [[ ! "$archived" < "$last_wal" ]]; then break; fi
  if [ "$(secs "$last_commit" "$(now)" | cut -d. -f1)" -gt $((ARCHIVE_TIMEOUT * 3 + 30)) ]; then
    echo "backup_test: $last_wal was not archived in time (last archived: $archived)" >&2
    exit 1
  fi
  sleep 0.2
done
RPO_SECONDS=$(secs "$last_commit" "$(now)")
# And when the segment is switched by hand (the runbook's step 1, pg_switch_wal()): the time to
# archive one segment.
psql_at "$PRIMARY_PORT" onecua "CREATE TABLE backup_test_marker AS SELECT now() AS at"
f0=$(now)
last_wal=$(psql_at "$PRIMARY_PORT" postgres "SELECT pg_walfile_name(pg_switch_wal())")
until [[ ! "$(psql_at "$PRIMARY_PORT" postgres "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")" < "$last_wal" ]]; do
  if [ "$(secs "$f0" "$(now)" | cut -d. -f1)" -gt 60 ]; then
    echo "backup_test: the switched segment $last_wal was not archived in 60 s" >&2
    exit 1
  fi
  sleep 0.05
done
SWITCH_SECONDS=$(secs "$f0" "$(now)")
"$PY" -m tests.backup.workload state --out "$WORK/state_after.json"
FILES_BACKUP_SETTLE_SECONDS=0 bash scripts/files_backup.sh backup "$DOCUMENTS" "$FILES_REPO"

say "Restore to T=$TARGET on port $RESTORE_PORT (the primary keeps running)"
as_pg mkdir -m 700 "$WORK/restored"
r0=$(now)
as_pg "${BR[@]}" --pg1-path="$WORK/restored" --type=time "--target=$TARGET" \
  --target-action=promote restore
r1=$(now)
# The copy's postgresql.conf is the primary's: another port, and no archiving into the
# primary's stanza from a side-by-side copy (docs/deployment.md's runbook: a new full backup
# once it becomes the primary).
pg_scratch_start restored -o "-p $RESTORE_PORT -c archive_mode=off" -t 300
until [ "$(psql_at "$RESTORE_PORT" postgres "SELECT pg_is_in_recovery()")" = f ]; do
  if [ "$(secs "$r0" "$(now)" | cut -d. -f1)" -gt 300 ]; then
    echo "backup_test: the restored cluster did not finish its recovery" >&2
    tail -n 30 "$WORK/restored.log" >&2
    exit 1
  fi
  sleep 0.1
done
r2=$(now)
bash scripts/files_backup.sh restore "$FILES_REPO" "$WORK/restored-media/documents"
r3=$(now)
grep -E "recovery stopping|starting point-in-time recovery|archive recovery complete" "$WORK/restored.log" || true

say "Checks of the restored cluster and files against the state at T"
BACKUP_TEST_STATE="$WORK/state_at_target.json" \
BACKUP_TEST_STATE_AFTER="$WORK/state_after.json" \
BACKUP_TEST_RESTORED_URL="postgresql://postgres@127.0.0.1:$RESTORE_PORT/onecua" \
BACKUP_TEST_RESTORED_DOCUMENTS="$WORK/restored-media/documents" \
BACKUP_TEST_SIGNING_CA="$WORK/var/signing/ca.pem" \
  env -u DATABASE_URL -u MEDIA_ROOT -u ONECUA_VAR_DIR -u SECRET_KEY \
  "$PY" -m pytest -q -p no:cacheprovider -m backup tests/backup "$@"

say "The runbook's own checks on the restored cluster (docs/deployment.md, step 6)"
# Every stored file's row has its file with its SHA-256, as the runbook checks it in production.
psql_at "$RESTORE_PORT" onecua "COPY (SELECT sha256 || '  ' || path FROM documents_storedfile) TO STDOUT" \
  >"$WORK/expected.sha256"
(cd "$WORK/restored-media/documents" && sha256sum --check --quiet --strict "$WORK/expected.sha256")
echo "every documents_storedfile row: file present, SHA-256 equal ($(wc -l <"$WORK/expected.sha256") rows)"
DATABASE_URL="postgresql://postgres@127.0.0.1:$RESTORE_PORT/onecua" "$PY" manage.py migrate --check >/dev/null
echo "manage.py migrate --check: the restored schema is the code's"
DATABASE_URL="postgresql://postgres@127.0.0.1:$RESTORE_PORT/onecua" "$PY" manage.py verify_stats

# Sizes: pgBackRest's own account of the backup (database size restored, size in the repository).
read -r RESTORE_BYTES REPO_BYTES < <(as_pg "${BR[@]}" info --output=json |
  "$PY" -c "import json, sys; b = json.load(sys.stdin)[0]['backup'][-1]['info']; print(b['size'], b['repository']['size'])")
WAL_BYTES=$(du -sb "$WORK/repo/archive" | cut -f1)
REPLAY_BYTES=$(psql_at "$PRIMARY_PORT" postgres "SELECT pg_wal_lsn_diff('$TARGET_LSN', '$BACKUP_LSN')::bigint")
FILES_BYTES=$(du -sb "$WORK/restored-media" | cut -f1)
FILES_COUNT=$(find "$WORK/restored-media" -type f | wc -l)
RESTORE_SECONDS=$(secs "$r0" "$r1")
REPLAY_SECONDS=$(secs "$r1" "$r2")
FILES_SECONDS=$(secs "$r2" "$r3")
RTO_SECONDS=$(secs "$r0" "$r3")
mb() { "$PY" -c "import sys; print(f'{int(sys.argv[1]) / 1e6:.1f}')" "$1"; }
rate() { "$PY" -c "import sys; print(f'{int(sys.argv[1]) / 1e6 / max(float(sys.argv[2]), 0.05):.0f}')" "$1" "$2"; }
say "Figures ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $COUNT+$COUNT+$((COUNT / 2)) dossiers, filler ${FILLER_MB} MB)"
cat <<REPORT
  sizes: cluster $(mb "$RESTORE_BYTES") MB (full backup $(mb "$REPO_BYTES") MB in the repository, lz4),
         WAL archive $(mb "$WAL_BYTES") MB, WAL replayed to T $(mb "$REPLAY_BYTES") MB,
         files $FILES_COUNT ($(mb "$FILES_BYTES") MB)
  full backup: ${FULL_SECONDS} s
  RPO (quiet server, archive_timeout=${ARCHIVE_TIMEOUT}s): the last commit was in the repository
      ${RPO_SECONDS} s later (bound: archive_timeout + the checkpointer's wake-up + one push;
      a busy server fills its 16 MB segments and archives them sooner); with pg_switch_wal():
      ${SWITCH_SECONDS} s
  RTO: ${RTO_SECONDS} s = pgbackrest restore ${RESTORE_SECONDS} s ($(rate "$RESTORE_BYTES" "$RESTORE_SECONDS") MB/s)
       + start, WAL replay to T and promotion ${REPLAY_SECONDS} s ($(rate "$REPLAY_BYTES" "$REPLAY_SECONDS") MB/s of WAL)
       + files restore and verification ${FILES_SECONDS} s ($(rate "$FILES_BYTES" "$FILES_SECONDS") MB/s)
  Extrapolation: RTO ≈ cluster size / restore rate + WAL since the last full or diff backup /
       replay rate + files size / copy-and-hash rate (+ a few seconds to start); docs/deployment.md.
REPORT
