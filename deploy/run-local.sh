#!/usr/bin/env bash
# One command: install what is missing, build, start a real redis-server (AOF on, data in
# ./.run/redis, loopback only), hotdesk-server and hotdesk-web (the HTTP API and the admin
# console, http://127.0.0.1:8088/), and show how to use hotdeskctl.
# Authentication is on, as in production: a development signing key is made once in ./.run/auth
# and the server checks tokens against its public half; the admin token printed below (also in
# ./.run/auth/admin.token) is what hotdeskctl sends and what the console signs in with.
# With --adapters it also starts hotdesk-csta (:4722), hotdesk-featurecodes (:50061, HTTP :8080),
# the XSP simulator (:8090) and hotdesk-xsp bridged to it, all on loopback, tenant "demo"; each
# adapter gets its own token (minted from the same key, in ./.run/auth) with its source, and the
# PBX API takes a "pbx" token (./.run/auth/pbx.token).
# Ctrl-C stops what it started. Ports: HOTDESK_REDIS_PORT (6379), HOTDESK_GRPC_PORT (50051),
# HOTDESK_METRICS_PORT (9464), HOTDESK_WEB_PORT (8088).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

redis_port="${HOTDESK_REDIS_PORT:-6379}"
grpc_port="${HOTDESK_GRPC_PORT:-50051}"
metrics_port="${HOTDESK_METRICS_PORT:-9464}"
web_port="${HOTDESK_WEB_PORT:-8088}"
adapters=0
for arg in "$@"; do
  case "$arg" in
    --adapters) adapters=1 ;;
    *) echo "usage: $0 [--adapters]"; exit 2 ;;
  esac
done

[ "${HOTDESK_SKIP_DEPS:-0}" = 1 ] || bash deploy/install-deps.sh
export CCACHE_DIR="${CCACHE_DIR:-$root/.ccache}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=(hotdesk-server hotdeskctl hotdesk-web)
[ "$adapters" = 1 ] && targets+=(hotdesk-csta hotdesk-featurecodes hotdesk-xsp hotdesk-xsp-sim)
cmake --build build -j2 --target "${targets[@]}"

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

# A development signing key (kept across runs) and tokens minted from it.
auth="$run/auth"
mkdir -p "$auth"
chmod 700 "$auth"
if [ ! -f "$auth/dev-signing.key" ]; then
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$auth/dev-signing.key" 2>/dev/null)
  openssl pkey -in "$auth/dev-signing.key" -pubout -out "$auth/dev-signing.pub"
fi
mint() {  # role [source [subject]] -> token for tenant demo, valid 12 h
  build/services/cli/hotdeskctl token --signing_key "$auth/dev-signing.key" --role "$1" \
    --tenants demo --subject "${3:-local-$1}" --ttl 12h ${2:+--token_source "$2"}
}
(umask 077 && mint admin >"$auth/admin.token" && mint viewer >"$auth/viewer.token")
if [ "$adapters" = 1 ]; then
  # The adapters' own tokens: each may act only as its source. CSTA and feature codes read
  # devices and guests (role operator); the XSP bridge only logs in and out (agent).
  (umask 077 && mint operator CSTA local-csta >"$auth/csta.token" &&
    mint operator FEATURE_CODE local-featurecodes >"$auth/featurecodes.token" &&
    mint agent XSP local-xsp >"$auth/xsp.token" && mint agent "" local-pbx >"$auth/pbx.token")
fi
auth_flags=(--auth_keys "$auth/dev-signing.pub")

build/services/server/hotdesk-server --listen "127.0.0.1:$grpc_port" --redis_addr "127.0.0.1:$redis_port" \
  --metrics_listen "127.0.0.1:$metrics_port" "${auth_flags[@]}" 2>"$run/server.log" &
pids+=($!)
for _ in $(seq 100); do
  build/services/cli/hotdeskctl --server "127.0.0.1:$grpc_port" health >/dev/null 2>&1 && break
  sleep 0.1
done

adapter_lines=""
if [ "$adapters" = 1 ]; then
  server="127.0.0.1:$grpc_port"
  # Each process gets only its own HOTDESK_* settings.
  # Local CSTA clients are trusted: they may log in without a PIN and use the private services.
  env -u HOTDESK_PASSWORD build/adapters/csta/hotdesk-csta --listen 127.0.0.1:4722 --server "$server" \
    --core_token_file "$auth/csta.token" --tenant demo --metrics_listen= \
    --cursor_file "$run/csta.cursor" --allow_networks 127.0.0.0/8 --trusted_networks 127.0.0.0/8 \
    >/dev/null 2>"$run/csta.log" &
  pids+=($!)
  build/adapters/featurecodes/hotdesk-featurecodes --server "$server" --tenant demo \
    --core_token_file "$auth/featurecodes.token" --pbx_auth_keys "$auth/dev-signing.pub" \
    --provisioning_allow_networks 127.0.0.0/8 \
    --listen 127.0.0.1:50061 --http_listen 127.0.0.1:8080 --metrics_listen= --dialplan 3cx \
    >/dev/null 2>"$run/featurecodes.log" &
  pids+=($!)
  HOTDESK_PASSWORD=demo build/adapters/xsp/hotdesk-xsp-sim --listen 127.0.0.1:8090 --user admin \
    >/dev/null 2>"$run/xsp-sim.log" &
  pids+=($!)
  sleep 0.5
  HOTDESK_XSP_PASSWORD=demo build/adapters/xsp/bridge/hotdesk-xsp --tenant demo --server "$server" \
    --core_token_file "$auth/xsp.token" \
    --redis_addr "127.0.0.1:$redis_port" --xsp_url http://127.0.0.1:8090 --xsp_user admin \
    --user_domain example.com --subscribe_users 7003@example.com,7005@example.com \
    --metrics_listen 127.0.0.1:9466 >/dev/null 2>"$run/xsp.log" &
  pids+=($!)
  adapter_lines="
  hotdesk-csta          127.0.0.1:4722    CSTA XML over TCP (log $run/csta.log)
  hotdesk-featurecodes  127.0.0.1:50061   gRPC, http://127.0.0.1:8080 dial API + /provisioning (log $run/featurecodes.log)
                        the dial API takes the PBX token in $auth/pbx.token (Authorization: Bearer)
  hotdesk-xsp-sim       http://127.0.0.1:8090  XSP simulator, journal: curl -u admin:demo http://127.0.0.1:8090/sim/journal
  hotdesk-xsp           bridge to the simulator, status: curl http://127.0.0.1:9466/status (log $run/xsp.log)"
fi

# The console and HTTP API. With the adapters it also previews provisioning profiles and shows
# the adapters' health.
web_flags=()
if [ "$adapters" = 1 ]; then
  web_flags+=(--featurecodes_url http://127.0.0.1:8080
              --adapters featurecodes=http://127.0.0.1:8080/healthz,xsp=http://127.0.0.1:9466/healthz)
fi
build/adapters/web/hotdesk-web --server "127.0.0.1:$grpc_port" --listen "127.0.0.1:$web_port" \
  --metrics_listen 127.0.0.1:9468 "${web_flags[@]}" >/dev/null 2>"$run/web.log" &
pids+=($!)

ctl="build/services/cli/hotdeskctl --server 127.0.0.1:$grpc_port --tenant demo"
console_sign_in="sign in with the token in $auth/admin.token"
auth_lines="  tokens: an admin token for tenant demo is in $auth/admin.token (viewer: viewer.token);
  first run: export HOTDESK_TOKEN_FILE=$auth/admin.token
  then $ctl whoami"
cat <<MSG

hotdesk is running
  redis-server   127.0.0.1:$redis_port  (AOF in $run/redis, log $run/redis.log)
  hotdesk-server 127.0.0.1:$grpc_port   (log $run/server.log, metrics http://127.0.0.1:$metrics_port/metrics)
  hotdesk-web    http://127.0.0.1:$web_port/   admin console and HTTP API (log $run/web.log)$adapter_lines
$auth_lines

Open the console: http://127.0.0.1:$web_port/#tenant=demo  ($console_sign_in)

Try, in another terminal:
  $ctl watch &
  $ctl establish 7002 7003              # guest 7003 works at host 7002
  $ctl establish 7004 7003              # roams: 7002 is cancelled (SUPERSEDED)
  $ctl establish 7006 7007 --limit 8h   # association limit
  $ctl list
  $ctl cancel --guest 7003

Ctrl-C stops everything it started.
MSG
wait -n "${pids[@]}" || true
echo "a process exited; see $run/*.log"
