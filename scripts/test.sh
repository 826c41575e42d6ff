#!/usr/bin/env bash
# `make test`: install what is missing, lint, type-check, run the suite on SQLite, then
# the PostgreSQL-relevant tests (marked `pg`) on a throwaway cluster on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export DJANGO_SETTINGS_MODULE=gongzhi.config.settings.test
export PYTHONDONTWRITEBYTECODE=1
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
T0=$(date +%s)

# --- Debian packages -----------------------------------------------------------------
NEED=()
for pkg in chromium fonts-noto-cjk gettext postgresql redis-server; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || NEED+=("$pkg")
done
if [ ${#NEED[@]} -gt 0 ]; then
  step "Installing Debian packages: ${NEED[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${NEED[@]}" >/dev/null
fi

# --- Python ------------------------------------------------------------------------------
step "Python packages"
make -s install
PY=.venv/bin/python

step "Translations"
scripts/makemessages.sh --check
$PY manage.py compile_translations

step "Lint (ruff)"
.venv/bin/ruff check .

step "Types (mypy)"
.venv/bin/mypy gongzhi

step "Django checks"
$PY manage.py check --fail-level WARNING
$PY manage.py makemigrations --check --dry-run >/dev/null || { echo "Models changed without migrations: run manage.py makemigrations"; exit 1; }
DJANGO_SETTINGS_MODULE=gongzhi.config.settings.prod GONGZHI_SECRET_KEY="ci-$(head -c 48 /dev/urandom | base64 | tr -d '/+=' | head -c 60)" \
  GONGZHI_ALLOWED_HOSTS=gongzhi.example.org DATABASE_URL=sqlite:///$ROOT/var/check.sqlite3 \
  $PY manage.py check --deploy --fail-level WARNING

# --- Servers for the tests ---------------------------------------------------------------
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/gongzhi-test.XXXXXX)
chmod 755 "$WORK"
PGPORT=${GONGZHI_TEST_PGPORT:-55432}
REDISPORT=${GONGZHI_TEST_REDISPORT:-56379}
cleanup() {
  set +e
  if [ -f "$WORK/pg/postmaster.pid" ]; then
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1
    else "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1; fi
  fi
  [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

step "Starting Redis and PostgreSQL on loopback"
redis-server --port "$REDISPORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
export GONGZHI_TEST_REDIS_URL="redis://127.0.0.1:$REDISPORT/0"
mkdir -p "$WORK/pg"
pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK/pg"
pg "$PGBIN/initdb" -D "$WORK/pg" -U gongzhi --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/log" -w -o "-p $PGPORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
export GONGZHI_TEST_PG_URL="postgres://gongzhi@127.0.0.1:$PGPORT/gongzhi"
pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U gongzhi gongzhi

status=0
step "Test suite on SQLite"
.venv/bin/pytest -q -n "${GONGZHI_TEST_WORKERS:-2}" --dist loadfile "$@" || status=$?

step "PostgreSQL-relevant tests (-m pg) on PostgreSQL"
DATABASE_URL="$GONGZHI_TEST_PG_URL" .venv/bin/pytest -q -n "${GONGZHI_TEST_WORKERS:-2}" --dist loadfile -m pg "$@" || { s=$?; [ $s -ne 5 ] && status=$s; }

step "Done in $(( $(date +%s) - T0 )) s"
exit $status
