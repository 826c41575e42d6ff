#!/usr/bin/env bash
# `make load` / `make fault`: production mode on loopback in a temporary directory (its own
# PostgreSQL, Redis, gunicorn and huey, never var/prod), the demo seeded, then
# bench/load/run.py: `load` measures capacity and runs the mix at 70% of it for
# GONGZHI_LOAD_SECONDS (600); `fault` runs it for GONGZHI_FAULT_SECONDS (210) while killing
# and restarting parts. Results: bench/out/load.json or bench/out/fault.json and a table.
# Everything it started is stopped on exit, Ctrl-C or failure; the run is bounded by `timeout`.
set -euo pipefail
MODE=${1:-load}
case "$MODE" in load|fault) ;; *) echo "usage: $0 load|fault" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
ROOT=$(pwd)
. scripts/services.sh
services_apt postgresql redis-server

HOST=127.0.0.1
PORT=${GONGZHI_LOAD_PORT:-8460}
WORKERS=${GONGZHI_WEB_WORKERS:-4}
# Workers are not recycled during the load test, so a leak would show in their RSS.
MAX_REQUESTS=${GONGZHI_LOAD_MAX_REQUESTS:-0}
WORK=$(mktemp -d /tmp/gongzhi-load.XXXXXX)
LOGS=$ROOT/bench/out/$MODE-logs
GUNICORN_PID=""
HUEY_SUPERVISOR=""

cleanup() {
  local status=$?
  trap - INT TERM EXIT
  set +e
  echo "Stopping the $MODE test's servers..."
  [ -n "$GUNICORN_PID" ] && kill -TERM "$GUNICORN_PID" 2>/dev/null
  touch "$WORK/stop"
  [ -n "$HUEY_SUPERVISOR" ] && kill -TERM "$HUEY_SUPERVISOR" 2>/dev/null
  [ -f "$WORK/huey.pid" ] && kill -TERM "$(cat "$WORK/huey.pid")" 2>/dev/null
  [ -n "$GUNICORN_PID" ] && wait "$GUNICORN_PID" 2>/dev/null
  [ -n "$HUEY_SUPERVISOR" ] && wait "$HUEY_SUPERVISOR" 2>/dev/null
  services_stop
  mkdir -p "$LOGS"
  cp "$WORK"/*.log "$WORK/pg/server.log" "$LOGS/" 2>/dev/null
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$MODE" = fault ]; then
  # As a production Redis would run: the append-only file keeps the queue across a restart.
  export SERVICES_REDIS_OPTS="--appendonly yes --appendfsync everysec"
fi
services_start "${GONGZHI_LOAD_PGPORT:-55460}" "${GONGZHI_LOAD_REDISPORT:-56410}" "$WORK"
export SERVICES_DIR SERVICES_PGBIN SERVICES_REDIS_PORT
export DATABASE_URL=$GONGZHI_PG_URL REDIS_URL=$GONGZHI_REDIS_URL
export DJANGO_SETTINGS_MODULE=gongzhi.config.settings.prod
GONGZHI_SECRET_KEY=$(head -c 64 /dev/urandom | base64 | tr -d '\n/+=')
export GONGZHI_SECRET_KEY
export GONGZHI_ALLOWED_HOSTS=127.0.0.1,localhost
export GONGZHI_SITE_URL=http://$HOST:$PORT
export GONGZHI_DATA_DIR=$WORK/data
export GONGZHI_SECURE_SSL_REDIRECT=false GONGZHI_INSECURE_COOKIES=true
export GONGZHI_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
# Every client is 127.0.0.1 here: the per-IP and per-token API limits would measure
# themselves, not the server.
export GONGZHI_API_RATE_TOKEN=100000000/60 GONGZHI_API_RATE_IP=100000000/60
# Clerks log in with their password only; enrolling TOTP for the demo staff is not what is measured.
export GONGZHI_STAFF_REQUIRE_2FA=false
export PROMETHEUS_MULTIPROC_DIR=$WORK/metrics
mkdir -p "$GONGZHI_DATA_DIR" "$PROMETHEUS_MULTIPROC_DIR"

PY=.venv/bin/python
echo "Preparing the database (migrate, static files, demo)..."
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py demo_seed --quiet-accounts
$PY bench/load/setup_target.py --base "http://$HOST:$PORT" >"$WORK/target.json"

# A supervisor restarts the consumer when it dies, as systemd's Restart=always would.
(
  while [ ! -f "$WORK/stop" ]; do
    $PY manage.py run_huey --quiet >>"$WORK/huey.log" 2>&1 &
    echo $! >"$WORK/huey.pid"
    wait $! || true
    [ -f "$WORK/stop" ] || sleep 1
  done
) &
HUEY_SUPERVISOR=$!

.venv/bin/gunicorn gongzhi.config.wsgi:application --bind "$HOST:$PORT" --workers "$WORKERS" \
  --worker-class sync --timeout 60 --graceful-timeout 10 --max-requests "$MAX_REQUESTS" \
  --access-logfile "$WORK/access.log" --error-logfile "$WORK/gunicorn.log" --log-level warning \
  --config python:gongzhi.config.gunicorn >>"$WORK/app.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 120); do
  curl -fs -o /dev/null "http://$HOST:$PORT/" && break
  sleep 0.5
done
curl -fs -o /dev/null "http://$HOST:$PORT/" || { echo "gunicorn did not answer on $HOST:$PORT"; exit 1; }

if [ "$MODE" = load ]; then
  BUDGET=$(( ${GONGZHI_LOAD_SECONDS:-600} + 900 ))
else
  BUDGET=$(( ${GONGZHI_FAULT_SECONDS:-210} + 1200 ))
fi
echo "Gongzhi on http://$HOST:$PORT ($WORKERS gunicorn workers, huey on Redis); running the $MODE test"
timeout --foreground "$BUDGET" $PY bench/load/run.py "$MODE" --target "$WORK/target.json" \
  --gunicorn-pid "$GUNICORN_PID" --huey-pidfile "$WORK/huey.pid" --out "bench/out/$MODE.json"
