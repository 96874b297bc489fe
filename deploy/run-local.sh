#!/usr/bin/env bash
# One command: install what is missing, build, start a real redis-server (AOF on, data in
# ./.run/redis, loopback only) and hotdesk-server, and show how to use hotdeskctl.
# Ctrl-C stops what it started. Ports: HOTDESK_REDIS_PORT (6379), HOTDESK_GRPC_PORT (50051),
# HOTDESK_METRICS_PORT (9464).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

redis_port="${HOTDESK_REDIS_PORT:-6379}"
grpc_port="${HOTDESK_GRPC_PORT:-50051}"
metrics_port="${HOTDESK_METRICS_PORT:-9464}"

[ "${HOTDESK_SKIP_DEPS:-0}" = 1 ] || bash deploy/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$root/.ccache}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target hotdesk-server hotdeskctl

run="$root/.run"
mkdir -p "$run/redis"
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped"
}
trap cleanup INT TERM EXIT

redis-server "$root/deploy/redis-local.conf" --port "$redis_port" --dir "$run/redis" \
  >"$run/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" ping >/dev/null || { echo "redis-server did not start; see $run/redis.log"; exit 1; }

build/services/hotdesk-server --listen "127.0.0.1:$grpc_port" --redis_addr "127.0.0.1:$redis_port" \
  --metrics_listen "127.0.0.1:$metrics_port" 2>"$run/server.log" &
pids+=($!)
for _ in $(seq 100); do
  build/services/cli/hotdeskctl --server "127.0.0.1:$grpc_port" health >/dev/null 2>&1 && break
  sleep 0.1
done

ctl="build/services/cli/hotdeskctl --server 127.0.0.1:$grpc_port --tenant demo"
cat <<MSG

hotdesk is running
  redis-server   127.0.0.1:$redis_port  (AOF in $run/redis, log $run/redis.log)
  hotdesk-server 127.0.0.1:$grpc_port   (log $run/server.log, metrics http://127.0.0.1:$metrics_port/metrics)

Try, in another terminal:
  $ctl watch &
  $ctl establish 7002 7003              # guest 7003 works at host 7002
  $ctl establish 7004 7003              # roams: 7002 is cancelled (SUPERSEDED)
  $ctl establish 7006 7007 --limit 8h   # association limit
  $ctl list
  $ctl cancel --guest 7003

Ctrl-C stops redis-server and hotdesk-server.
MSG
wait -n "${pids[@]}" || true
echo "a process exited; see $run/*.log"
