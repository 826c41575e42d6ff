# Sourced by test.sh, bench.sh and run_prod.sh: throwaway PostgreSQL and Redis servers
# on loopback. Call `services_start PGPORT REDISPORT DIR`; `services_stop` undoes it.
# Sets GONGZHI_PG_URL and GONGZHI_REDIS_URL.

services_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

services_start() {
  local pgport=$1 redisport=$2 dir=$3
  SERVICES_DIR=$dir
  SERVICES_PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$dir/pg"
  chmod 755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir/pg"
  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    services_pg "$SERVICES_PGBIN/initdb" -D "$dir/pg" -U gongzhi --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  services_pg "$SERVICES_PGBIN/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w -o "-p $pgport -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=300 ${SERVICES_PG_OPTS:-}" start >/dev/null
  services_pg "$SERVICES_PGBIN/createdb" -h 127.0.0.1 -p "$pgport" -U gongzhi gongzhi 2>/dev/null || true
  SERVICES_REDIS_PORT=$redisport
  services_redis_up
  GONGZHI_PG_URL="postgres://gongzhi@127.0.0.1:$pgport/gongzhi"
  GONGZHI_REDIS_URL="redis://127.0.0.1:$redisport/0"
  export GONGZHI_PG_URL GONGZHI_REDIS_URL
}

# Redis in the foreground of a background job; its pid also goes to $SERVICES_DIR/redis.pid
# so another process (the fault test) can restart it and services_stop still finds it.
# SERVICES_REDIS_OPTS adds options (the fault test turns on the append-only file).
services_redis_up() {
  # shellcheck disable=SC2086
  redis-server --port "$SERVICES_REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$SERVICES_DIR" \
    --daemonize no ${SERVICES_REDIS_OPTS:-} >>"$SERVICES_DIR/redis.log" 2>&1 &
  SERVICES_REDIS_PID=$!
  echo "$SERVICES_REDIS_PID" >"$SERVICES_DIR/redis.pid"
  for _ in $(seq 50); do redis-cli -p "$SERVICES_REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
}

# For the fault test, called in a fresh shell with SERVICES_DIR, SERVICES_REDIS_PORT (and
# SERVICES_PGBIN) set: stop the running server, start it again with the same options.
services_restart_redis() {
  local pid; pid=$(cat "$SERVICES_DIR/redis.pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  fi
  services_redis_up
}

services_restart_pg() {
  services_pg "$SERVICES_PGBIN/pg_ctl" -D "$SERVICES_DIR/pg" -m "${1:-fast}" -w restart >/dev/null
}

services_stop() {
  set +e
  if [ -n "${SERVICES_DIR:-}" ] && [ -f "$SERVICES_DIR/pg/postmaster.pid" ]; then
    services_pg "$SERVICES_PGBIN/pg_ctl" -D "$SERVICES_DIR/pg" -m fast stop >/dev/null 2>&1
  fi
  [ -n "${SERVICES_REDIS_PID:-}" ] && kill "$SERVICES_REDIS_PID" 2>/dev/null
  # A restarted server (fault test) is not our child: its pid is in the file.
  [ -n "${SERVICES_DIR:-}" ] && [ -f "$SERVICES_DIR/redis.pid" ] && kill "$(cat "$SERVICES_DIR/redis.pid")" 2>/dev/null
  wait "${SERVICES_REDIS_PID:-}" 2>/dev/null
  return 0
}

services_apt() {
  local need=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "Installing Debian packages: ${need[*]}"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}
