#!/usr/bin/env bash
# `make test`: install what is missing, lint, type-check, run the suite on SQLite, then
# the PostgreSQL-relevant tests (marked `pg`) on a throwaway cluster on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
. scripts/services.sh
export DJANGO_SETTINGS_MODULE=gongzhi.config.settings.test
export PYTHONDONTWRITEBYTECODE=1
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
T0=$(date +%s)

step "Debian packages"
services_apt chromium fonts-noto-cjk gettext postgresql redis-server

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
mkdir -p var
DJANGO_SETTINGS_MODULE=gongzhi.config.settings.prod GONGZHI_SECRET_KEY="ci-$(head -c 48 /dev/urandom | base64 | tr -d '/+=' | head -c 60)" \
  GONGZHI_ALLOWED_HOSTS=gongzhi.example.org DATABASE_URL="sqlite:///$ROOT/var/check.sqlite3" \
  $PY manage.py check --deploy --fail-level WARNING

step "Starting Redis and PostgreSQL on loopback"
WORK=$(mktemp -d /tmp/gongzhi-test.XXXXXX)
SERVICES_PG_OPTS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  services_start "${GONGZHI_TEST_PGPORT:-55432}" "${GONGZHI_TEST_REDISPORT:-56379}" "$WORK"
trap 'services_stop; rm -rf "$WORK"' EXIT
export GONGZHI_TEST_REDIS_URL=$GONGZHI_REDIS_URL GONGZHI_TEST_PG_URL=$GONGZHI_PG_URL

status=0
step "Test suite on SQLite"
.venv/bin/pytest -q -n "${GONGZHI_TEST_WORKERS:-2}" --dist loadfile "$@" || status=$?

step "PostgreSQL-relevant tests (-m pg) on PostgreSQL"
DATABASE_URL="$GONGZHI_TEST_PG_URL" .venv/bin/pytest -q -n "${GONGZHI_TEST_WORKERS:-2}" --dist loadfile -m pg "$@" || status=$?

step "Done in $(( $(date +%s) - T0 )) s"
exit $status
