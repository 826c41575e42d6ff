#!/usr/bin/env bash
# `make run-prod`: Gongzhi in production mode on this machine. Starts PostgreSQL and Redis
# on loopback under var/prod (unless DATABASE_URL / REDIS_URL are set), then gunicorn with
# several sync workers and persistent connections, and huey consumers on Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WORKERS=${GONGZHI_WEB_WORKERS:-4}
CONSUMERS=${GONGZHI_HUEY_CONSUMERS:-1}
mkdir -p var/prod
services_apt postgresql redis-server

OWN_SERVICES=0
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  services_start "${GONGZHI_PROD_PGPORT:-55440}" "${GONGZHI_PROD_REDISPORT:-56390}" "$(pwd)/var/prod"
  OWN_SERVICES=1
  export DATABASE_URL=${DATABASE_URL:-$GONGZHI_PG_URL}
  export REDIS_URL=${REDIS_URL:-$GONGZHI_REDIS_URL}
fi
[ -f var/prod/secret ] || head -c 64 /dev/urandom | base64 | tr -d '\n/+=' > var/prod/secret
export DJANGO_SETTINGS_MODULE=gongzhi.config.settings.prod
export GONGZHI_SECRET_KEY=${GONGZHI_SECRET_KEY:-$(cat var/prod/secret)}
export GONGZHI_ALLOWED_HOSTS=${GONGZHI_ALLOWED_HOSTS:-127.0.0.1,localhost}
export GONGZHI_SITE_URL=${GONGZHI_SITE_URL:-http://$HOST:$PORT}
# Plain HTTP on loopback; a real deployment terminates TLS at the proxy and keeps these on.
export GONGZHI_SECURE_SSL_REDIRECT=${GONGZHI_SECURE_SSL_REDIRECT:-false}
export GONGZHI_INSECURE_COOKIES=${GONGZHI_INSECURE_COOKIES:-true}
export GONGZHI_EMAIL_BACKEND=${GONGZHI_EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}
export PROMETHEUS_MULTIPROC_DIR=$(pwd)/var/prod/metrics
rm -rf "$PROMETHEUS_MULTIPROC_DIR"; mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py demo_seed

PIDS=()
for i in $(seq "$CONSUMERS"); do
  .venv/bin/python manage.py run_huey --quiet >"var/prod/worker-$i.log" 2>&1 &
  PIDS+=($!)
done
.venv/bin/gunicorn gongzhi.config.wsgi:application --bind "$HOST:$PORT" --workers "$WORKERS" \
  --worker-class sync --timeout 60 --graceful-timeout 10 --max-requests 5000 --max-requests-jitter 500 \
  --access-logfile - --error-logfile - --log-level warning \
  --config python:gongzhi.config.gunicorn &
PIDS+=($!)

stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping Gongzhi (production mode)..."
  kill -TERM "${PIDS[@]}" 2>/dev/null || true
  wait "${PIDS[@]}" 2>/dev/null || true
  [ "$OWN_SERVICES" = 1 ] && services_stop
  echo "Stopped."
}
trap stop INT TERM EXIT
echo
echo "Gongzhi (production mode: PostgreSQL, Redis, $WORKERS gunicorn workers, $CONSUMERS huey consumer(s))"
echo "  http://$HOST:$PORT/    metrics: http://$HOST:$PORT/metrics    health: http://$HOST:$PORT/healthz"
wait -n "${PIDS[@]}"
