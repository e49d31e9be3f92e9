#!/usr/bin/env bash
# The backup of the documents storage's files (uploaded files, scans, e-results: MEDIA_ROOT/
# documents when ONECUA_DOCUMENTS_STORAGE=local), beside the database's pgBackRest repository
# (docs/deployment.md "Backups and point-in-time recovery"):
#
#   bash scripts/files_backup.sh backup  SOURCE BACKUP_DIR   # copy the new files, record them
#   bash scripts/files_backup.sh restore BACKUP_DIR TARGET   # copy every file back, verify
#   bash scripts/files_backup.sh verify  BACKUP_DIR          # every kept file against its hash
#
# pgBackRest keeps PGDATA and the WAL only; the files live outside it. The store is append-only
# and content-checked: every file is saved once under a new generated name (yyyy/mm/<uuid>.<ext>,
# documents/services.py, never overwritten) and its SHA-256 is in the database (StoredFile). So a
# backup is an incremental copy that never deletes nor replaces (rsync --ignore-existing, no
# --delete): BACKUP_DIR/data/ grows like the store, and a copy taken AFTER a database recovery
# target holds every file the database refers to at that target (files written later are
# orphans to the restored database, harmless). Each run writes BACKUP_DIR/manifests/<UTC time>
# .sha256: the SHA-256 of the files it copied, computed on the copy (sha256sum format, paths
# relative to data/); `verify` and `restore` check every file against them.
#
# Files younger than FILES_BACKUP_SETTLE_SECONDS (60) are left for the next run: one being
# written would otherwise be kept half (a kept name is never copied again).
#
# Run it after the database backup, on the same schedule or more often (every 15 min by cron or
# a systemd timer); BACKUP_DIR on the backup host (an NFS/SSHFS mount or rsync over SSH to it).
set -euo pipefail
usage() { echo "usage: $0 {backup SOURCE BACKUP_DIR | restore BACKUP_DIR TARGET | verify BACKUP_DIR}" >&2; exit 2; }
command -v rsync >/dev/null || { echo "files_backup: rsync is missing (apt-get install rsync)" >&2; exit 2; }

verify() {
  local backup=$1
  shopt -s nullglob
  local manifests=("$backup"/manifests/*.sha256)
  if [ ${#manifests[@]} -eq 0 ]; then echo "files_backup: no manifest in $backup" >&2; return 1; fi
  check "$backup/data" "${manifests[@]}"
}

check() {
  # Every line of every manifest: the file exists under the folder and has that SHA-256.
  local folder=$1
  shift
  if ! cat "$@" | grep -q .; then return 0; fi  # nothing kept yet
  (cd "$folder" && cat "$@" | sha256sum --check --quiet --strict -)
}

case "${1:-}" in
  backup)
    [ $# -eq 3 ] || usage
    source=${2%/} backup=${3%/}
    mkdir -p "$backup/data" "$backup/manifests"
    stamp=$(date -u +%Y%m%dT%H%M%S.%NZ)
    list="$backup/manifests/.$stamp.new"
    # Only the files older than the settling time: Django writes a file under its final name,
    # so a file being written right now would be copied half and never again (next run instead).
    settle=${FILES_BACKUP_SETTLE_SECONDS:-60}
    if [ "$settle" -gt 0 ]; then young=(! -newermt "@$(( $(date +%s) - settle ))"); else young=(); fi
    (cd "$source" && find . -type f "${young[@]}" -printf '%P\n') >"$list.candidates"
    # --ignore-existing: a name already kept is never copied again (the store never rewrites).
    rsync -a --ignore-existing --files-from="$list.candidates" --out-format='%n' \
      "$source/" "$backup/data/" >"$list"
    rm -f "$list.candidates"
    # rsync names the folders too (with a trailing slash): only the files are hashed.
    (cd "$backup/data" && { grep -v '/$' "$list" || true; } | tr '\n' '\0' | xargs -0 -r sha256sum) >"$list.sha256"
    mv "$list.sha256" "$backup/manifests/$stamp.sha256"
    rm -f "$list"
    echo "files_backup: $(wc -l <"$backup/manifests/$stamp.sha256") new file(s) -> $backup/manifests/$stamp.sha256"
    ;;
  restore)
    [ $# -eq 3 ] || usage
    backup=${2%/} target=${3%/}
    verify "$backup"
    mkdir -p "$target"
    rsync -a --ignore-existing "$backup/data/" "$target/"
    check "$target" "$backup"/manifests/*.sha256
    echo "files_backup: restored $(find "$target" -type f | wc -l) file(s) into $target, all hashes match"
    ;;
  verify)
    [ $# -eq 2 ] || usage
    verify "${2%/}"
    echo "files_backup: every kept file matches its SHA-256"
    ;;
  *) usage ;;
esac
