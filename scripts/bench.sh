#!/usr/bin/env bash
# `make bench`: run every benchmark in bench/ (each prints ratios against a baseline
# measured in the same run and writes bench/out/<name>.json), then write
# bench/results.json and print one table. PostgreSQL and Redis run on loopback.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh
services_apt postgresql redis-server
make -s install
WORK=$(mktemp -d /tmp/gongzhi-bench.XXXXXX)
SERVICES_PG_OPTS="-c fsync=off -c synchronous_commit=off -c shared_buffers=512MB" \
  services_start "${GONGZHI_BENCH_PGPORT:-55450}" "${GONGZHI_BENCH_REDISPORT:-56400}" "$WORK"
trap 'services_stop; rm -rf "$WORK"' EXIT
export GONGZHI_BENCH_PG_URL=$GONGZHI_PG_URL GONGZHI_BENCH_REDIS_URL=$GONGZHI_REDIS_URL
export DJANGO_SETTINGS_MODULE=gongzhi.config.settings.test
rm -rf bench/out; mkdir -p bench/out
BUDGET=${GONGZHI_BENCH_SECONDS_EACH:-240}
failed=0
for script in bench/bench_*.py; do
  name=$(basename "$script" .py)
  printf '\n\033[1m== %s\033[0m\n' "$name"
  if ! timeout "$BUDGET" .venv/bin/python "$script" ${GONGZHI_BENCH_ARGS:-}; then
    echo "!! $name failed or ran past ${BUDGET}s"
    failed=$((failed + 1))
  fi
done
.venv/bin/python bench/report.py
exit $failed
