#!/usr/bin/env bash
# Serve Gongzhi with gunicorn and run the huey worker beside it; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-gongzhi.config.settings.dev}
VENV=.venv
mkdir -p var

"$VENV/bin/python" manage.py run_huey --quiet >var/worker.log 2>&1 &
WORKER=$!
"$VENV/bin/gunicorn" gongzhi.config.wsgi:application \
  --bind "$HOST:$PORT" --workers "${GONGZHI_WEB_WORKERS:-3}" --worker-class sync \
  --timeout 60 --graceful-timeout 10 --access-logfile - --error-logfile - --log-level warning &
WEB=$!

stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping Gongzhi..."
  kill -TERM "$WEB" "$WORKER" 2>/dev/null || true
  wait "$WEB" "$WORKER" 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

URL_HOST=$HOST
[ "$HOST" = "0.0.0.0" ] && URL_HOST=127.0.0.1
echo
echo "Gongzhi is running at http://$URL_HOST:$PORT/   (worker log: var/worker.log; Ctrl-C stops)"
echo "Log in with any demo account above, password gongzhi-demo-2026."
wait -n "$WEB" "$WORKER"
