#!/usr/bin/env bash
# The two commands of onecua (see README.md):
#   bash scripts/dev.sh run    set everything up on the embedded default and serve on 127.0.0.1:8000
#                              (PORT=8080 / HOST=0.0.0.0 from the environment)
#   bash scripts/dev.sh test   install and run the whole suite (SQLite, then PostgreSQL + Redis)
#   bash scripts/dev.sh prod   optional: a production-shaped run (PostgreSQL, Redis, gunicorn,
#                              Celery worker and beat, the mocks as processes; docs/deployment.md)
# Other sub-commands: setup, seed, lint, lock, bench-import, bench-search.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${ONECUA_VENV:-$ROOT/.venv}
PY="$VENV/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

find_python() {
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else 1)'; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "onecua needs Python 3.11 to 3.13 (python3.11 on Debian)." >&2
  return 1
}

make_venv() {
  if [ -x "$PY" ] && "$PY" -c 'import sys' 2>/dev/null; then return 0; fi
  local base
  base=$(find_python)
  say "Creating the virtualenv in $VENV with $base"
  if ! "$base" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    # Debian ships venv's pip bootstrap separately (python3-venv).
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "Installing python3-venv with apt-get"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
      "$base" -m venv "$VENV"
    else
      echo "Cannot create a virtualenv: run 'sudo apt-get install python3-venv' and try again." >&2
      exit 1
    fi
  fi
}

install() {
  # Each lock is complete (every package, pinned, with its hashes): pip installs exactly it.
  local lock=$1 stamp="$VENV/.installed-$1"
  make_venv
  if [ -f "$stamp" ] && [ "$stamp" -nt "$lock" ]; then return 0; fi
  say "Installing pinned dependencies from $lock"
  "$PY" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  "$PY" -m pip install -q --disable-pip-version-check --require-hashes -r "$lock"
  touch "$stamp"
}

cmd_lock() {
  # Compile both locks from pyproject.toml (README "Dependencies"), keeping the pinned versions
  # unless asked otherwise (e.g. --upgrade-package NAME, --upgrade). The dev lock is constrained by
  # the runtime lock, so the two agree on every runtime package.
  install requirements-dev.lock
  local common=(--universal --python-version 3.11 --generate-hashes --quiet
    --custom-compile-command "bash scripts/dev.sh lock")
  say "Compiling requirements.lock and requirements-dev.lock from pyproject.toml"
  "$VENV/bin/uv" pip compile pyproject.toml "${common[@]}" "$@" -o requirements.lock
  "$VENV/bin/uv" pip compile pyproject.toml --extra dev -c requirements.lock "${common[@]}" "$@" \
    -o requirements-dev.lock
}

local_state() {
  # The embedded default keeps its state in var/ (ONECUA_VAR_DIR): the SQLite file, uploaded files,
  # the signing CA and the secret key. Importing the settings writes nothing, so the key is made
  # here, once: random, readable by this user only, never committed (.gitignore).
  local var=${ONECUA_VAR_DIR:-$ROOT/var}
  mkdir -p "$var"
  if [ -z "${SECRET_KEY:-}" ] && [ ! -s "$var/secret_key" ]; then
    say "Making the local secret key ($var/secret_key)"
    (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$var/secret_key")
  fi
}

seed() {
  local_state
  say "Migrating the database"
  "$PY" manage.py migrate --noinput
  say "Loading units, agencies, the working-day calendar, the catalogue and demo accounts"
  "$PY" manage.py seed_all
  say "Making the local test CA and signing certificate for e-results (var/signing/, kept if present)"
  "$PY" manage.py make_signing_ca
  say "Collecting the static files (STATIC_ROOT: the admin's, the pages', Swagger UI and ReDoc)"
  "$PY" manage.py collectstatic --noinput --verbosity 0
}

pg_reachable() {
  "$PY" - <<'PYEOF'
import os, sys
import psycopg
url = os.environ.get("ONECUA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:  # noqa: BLE001
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PYEOF
}

redis_reachable() {
  "$PY" - <<'PYEOF'
import os, sys
import redis
url = os.environ.get("ONECUA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
try:
    redis.Redis.from_url(url, socket_connect_timeout=3).ping()
except Exception as exc:  # noqa: BLE001
    print(f"Redis not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PYEOF
}

ensure_chromium() {
  # The dashboard's browser test drives Debian's Chromium (never a downloaded browser).
  if [ -x /usr/bin/chromium ]; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing Debian's chromium for the browser test (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Note: /usr/bin/chromium is missing (sudo apt-get install chromium); the browser test will be skipped." >&2
  fi
}

cmd_test() {
  install requirements-dev.lock
  ensure_chromium
  local summary=()
  say "Lint: ruff check and ruff format --check"
  "$PY" -m ruff check .
  "$PY" -m ruff format --check .
  say "OpenAPI schema: spectacular --validate --fail-on-warn"
  env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL \
    "$PY" manage.py spectacular --validate --fail-on-warn --file /dev/null
  say "Production settings as README documents them: check --deploy --fail-level WARNING"
  # Exactly the variables of README's production block (placeholders filled with random values),
  # nothing else of this environment: the mocks off, every required setting present and safe.
  "$PY" scripts/production_env.py -- "$PY" manage.py check --deploy --fail-level WARNING
  say "Missing migrations check"
  env -u DATABASE_URL "$PY" manage.py makemigrations --check --dry-run >/dev/null

  say "Test suite on SQLite (Celery eager)"
  env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL "$PY" -m pytest "$@"
  summary+=("SQLite: ran")

  if pg_reachable && redis_reachable; then
    say "Test suite on PostgreSQL (throw-away database) with Redis"
    DATABASE_URL=${ONECUA_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/onecua}
    DATABASE_URL="$DATABASE_URL" \
      REDIS_URL=${ONECUA_TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
      "$PY" -m pytest "$@"
    summary+=("PostgreSQL + Redis: ran")
    # The read replica's tests against a real streaming standby: a throw-away primary and its
    # standby made from PostgreSQL's binaries (~40 s), then removed (scripts/replica_test.sh).
    if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "${PGBIN:-}" ]; then
      say "Read-replica tests on a throw-away primary and streaming standby"
      REDIS_URL=${ONECUA_TEST_REDIS_URL:-redis://127.0.0.1:6379/15} bash scripts/replica_test.sh
      summary+=("Read replica (streaming standby): ran")
    elif [ "${CI:-}" = "true" ]; then
      echo "CI=true but PostgreSQL's server binaries (initdb) are missing: failing." >&2
      exit 1
    else
      summary+=("Read replica: SKIPPED (no PostgreSQL server binaries)")
    fi
    # Backups proven by restoring them: a throw-away primary archiving its WAL through pgBackRest,
    # a full backup, dossiers before and after a target time, a point-in-time restore beside it
    # and the files (scripts/backup_test.sh, 1-2 min; installs pgbackrest and rsync with apt-get,
    # fails under CI=true when it cannot, exit 3 = skipped otherwise).
    if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -n "${PGBIN:-}" ]; then
      say "Backups: pgBackRest base backup + WAL archive, point-in-time restore checked"
      local backup_code=0
      bash scripts/backup_test.sh || backup_code=$?
      case $backup_code in
        0) summary+=("Backups (point-in-time restore): ran") ;;
        3) summary+=("Backups: SKIPPED (pgbackrest or rsync missing, not installable)") ;;
        *) exit "$backup_code" ;;
      esac
    else
      summary+=("Backups: SKIPPED (no PostgreSQL server binaries)")
    fi
  else
    if [ "${CI:-}" = "true" ]; then
      echo "CI=true but PostgreSQL or Redis is not reachable: failing." >&2
      exit 1
    fi
    summary+=("PostgreSQL + Redis: SKIPPED (not reachable)")
  fi
  say "Backends"
  printf '  %s\n' "${summary[@]}"
}

ensure_database() {
  # Create the database of DATABASE_URL on its server if it is missing (PostgreSQL only).
  "$PY" - <<'PYEOF'
import os, re, sys
from urllib.parse import urlsplit, urlunsplit
import psycopg
from psycopg import sql
url = os.environ["DATABASE_URL"]
parts = urlsplit(url)
name = parts.path.lstrip("/")
if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
    sys.exit(f"DATABASE_URL: not a plain database name: {name!r}")
admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
try:
    with psycopg.connect(admin, connect_timeout=5, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created the database {name}")
except psycopg.OperationalError as exc:
    sys.exit(f"PostgreSQL not reachable at {parts.hostname}:{parts.port}: {exc}")
PYEOF
}

PROD_PIDS=()
PROD_NAMES=()

prod_start() {
  # Start one process of the production-shaped run in a session (process group) of its own, its
  # output prefixed with its name; remember the group to stop it, workers and children included.
  local name=$1
  shift
  setsid "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  PROD_PIDS+=("$!")
  PROD_NAMES+=("$name")
  printf '%s %s\n' "$!" "$name" >>"$PROD_PIDFILE"
}

prod_start_restarting() {
  # As prod_start, but the process is started again when it exits, as a service manager's
  # Restart=always would (docs/deployment.md): a Celery worker can exit when its broker restarts
  # (kombu's Redis transport, seen in bench_delivery's fault run), and the queued work must go on
  # without taking the web server down with it. TERM to the group stops the loop and the process.
  local name=$1
  shift
  prod_start "$name" bash -c 'while :; do "$@"; echo "exited with status $?; starting it again in 2 s" >&2; sleep 2; done' "onecua-$name" "$@"
}

prod_stop() {
  # TERM to every process group, then up to 30 s for them to finish (gunicorn and Celery finish
  # the request or task in hand), then KILL to what is left.
  trap - INT TERM
  say "Stopping the production-shaped run (${#PROD_PIDS[@]} processes)"
  local pid
  for pid in "${PROD_PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  local deadline=$((SECONDS + 30))
  for pid in "${PROD_PIDS[@]}"; do
    while kill -0 -- "-$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -f "$PROD_PIDFILE"
}

cmd_prod() {
  # A production-shaped run on this machine (docs/deployment.md, "Production-shaped run"):
  # PostgreSQL + Redis, gunicorn with WEB_CONCURRENCY workers, a Celery worker, beat, and the
  # mocks of the national systems as processes of their own, reached over HTTP. Ctrl-C or SIGTERM
  # stops them all; the worker and beat are started again when they exit; if another one exits,
  # the others are stopped too.
  install requirements.lock
  local host=${HOST:-127.0.0.1} port=${PORT:-8000} web=${WEB_CONCURRENCY:-2}
  local mocks=${ONECUA_PROD_MOCK_PORT:-$((port + 100))}
  if ! [[ "$port" =~ ^[0-9]+$ && "$web" =~ ^[0-9]+$ && "$mocks" =~ ^[0-9]+$ ]] ||
    [ "$port" -lt 1 ] || [ "$port" -gt 65535 ] || [ "$web" -lt 1 ] || [ "$web" -gt 32 ] ||
    [ "$mocks" -lt 1 ] || [ "$mocks" -gt 65530 ]; then
    echo "PORT (1-65535), WEB_CONCURRENCY (1-32) and ONECUA_PROD_MOCK_PORT must be numbers." >&2
    exit 2
  fi
  export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/onecua_prod}
  export CELERY_BROKER_URL=${CELERY_BROKER_URL:-redis://127.0.0.1:6379/0}
  export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/1}
  export ONECUA_VAR_DIR=${ONECUA_VAR_DIR:-$ROOT/var/prod}
  # The mocks stay installed (their tables, their commands), but every national system is
  # reached over HTTP at its own process, as the real ones would be.
  export ONECUA_MOCKS=1
  export ONECUA_PUBLIC_BASE_URL="http://$host:$port"
  export PORTAL_BASE_URL="http://127.0.0.1:$((mocks + 1))/mock-dvcqg/"
  export NOTIFY_SMS_URL="http://127.0.0.1:$((mocks + 2))/mock-messaging/sms/"
  export NOTIFY_ZALO_URL="http://127.0.0.1:$((mocks + 2))/mock-messaging/zalo/"
  export ONECUA_PAYMENT_URL="http://127.0.0.1:$((mocks + 3))/mock-payment/"
  export ONECUA_PAYMENT_NOTIFY_URL="http://$host:$port/api/v1/payments/ipn/"
  export MOCK_VNEID_ISSUER="http://127.0.0.1:$((mocks + 4))/mock-vneid"
  export ONECUA_OIDC_ISSUER=$MOCK_VNEID_ISSUER
  export ALLOWED_HOSTS=${ALLOWED_HOSTS:-$host,127.0.0.1,localhost}
  say "Production-shaped run on $DATABASE_URL, broker $CELERY_BROKER_URL, cache $REDIS_URL"
  ensure_database
  seed
  PROD_PIDFILE="$ONECUA_VAR_DIR/prod.pids"
  : >"$PROD_PIDFILE"
  trap 'prod_stop; exit 0' INT TERM
  prod_start mock-portal "$PY" manage.py run_mock_portal --port $((mocks + 1))
  prod_start mock-messaging "$PY" manage.py run_mock_messaging --port $((mocks + 2))
  prod_start mock-payment "$PY" manage.py run_mock_payment --port $((mocks + 3))
  prod_start mock-vneid "$PY" manage.py run_mock_vneid --port $((mocks + 4))
  # One worker for every queue of config/queues.py (production runs one per kind:
  # docs/deployment.md).
  prod_start_restarting worker "$PY" -m celery -A config worker --loglevel INFO \
    --queues portal,notifications,payments,reports,periodic,celery \
    --concurrency "${CELERY_CONCURRENCY:-2}" --hostname "onecua-worker@%h"
  prod_start_restarting beat "$PY" -m celery -A config beat --loglevel INFO \
    --schedule "$ONECUA_VAR_DIR/celerybeat-schedule"
  prod_start web "$PY" -m gunicorn config.wsgi:application --bind "$host:$port" \
    --workers "$web" --access-logfile - --graceful-timeout 20
  say "Serving on http://$host:$port/ ($web gunicorn workers); mocks on ports $((mocks + 1))-$((mocks + 4)); Ctrl-C stops everything"
  # Until a signal, or until one process exits (then the others are stopped too).
  local status=0
  wait -n "${PROD_PIDS[@]}" || status=$?
  echo "A process of the production-shaped run exited (status $status): stopping the others." >&2
  prod_stop
  exit 1
}

cmd_run() {
  install requirements.lock
  seed
  # The address from the environment: PORT (8000) and HOST (127.0.0.1).
  local host=${HOST:-127.0.0.1} port=${PORT:-8000}
  if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    echo "PORT must be a number from 1 to 65535 (got '$port')." >&2
    exit 2
  fi
  say "Serving on http://$host:$port/ (admin /admin/, API /api/v1/, docs /api/docs/)"
  # The service centre's kiosk answers only on the centres' networks (docs/service-centre.md):
  # for the local demo, this machine is one.
  export ONECUA_CENTRE_NETWORKS=${ONECUA_CENTRE_NETWORKS:-127.0.0.1/32,::1/128}
  # --insecure: serve the static files from the apps although DEBUG is off (local demo only).
  # The outbox (the portal, the notifications) is delivered after the response by a thread of the
  # server, not inside the request (outbox/background.py; docs/portal-sync.md "Embedded run":
  # why a thread and not a separate process on SQLite). ONECUA_OUTBOX_DELIVERY=worker plus
  # `manage.py outbox_worker` uses a process instead; =inline delivers inside the request.
  export ONECUA_OUTBOX_DELIVERY=${ONECUA_OUTBOX_DELIVERY:-thread}
  exec "$PY" manage.py runserver --insecure "$host:$port"
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  prod) shift; cmd_prod "$@" ;;
  test) shift; cmd_test "$@" ;;
  setup) install requirements-dev.lock; seed ;;
  seed) seed ;;
  lint) install requirements-dev.lock; "$PY" -m ruff check . && "$PY" -m ruff format --check . ;;
  lock) shift; cmd_lock "$@" ;;
  bench-import) shift; install requirements-dev.lock; "$PY" bench/bench_import.py "$@" ;;
  bench-search) shift; install requirements-dev.lock; "$PY" bench/bench_search.py "$@" ;;
  *) echo "usage: bash scripts/dev.sh {run|test|prod|setup|seed|lint|lock|bench-import|bench-search}" >&2; exit 2 ;;
esac
