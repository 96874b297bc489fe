#!/usr/bin/env bash
# The container image is real: build deploy/Dockerfile with podman from a Debian base made here
# with mmdebstrap (no image registry is reachable), start the server image against a real Redis,
# check health SERVING (and hotdesk-web's /v1/health through it), and time each step.
#
# Runs where the machine allows containers. Where it does not (no podman/mmdebstrap, or podman
# cannot start a container here) it says so plainly and exits 0, or $HOTDESK_SKIP_CODE (ctest
# sets 77, which it reports as SKIP).
#   bash tests/image/run.sh            (from any directory; HOTDESK_IMAGE_KEEP=1 keeps the images)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
skip() { echo "SKIP: container image test not run: $*"; exit "${HOTDESK_SKIP_CODE:-0}"; }
t0=$(date +%s)
phase_start=$t0
phase() { local now; now=$(date +%s); echo "== $1: $((now - phase_start)) s"; phase_start=$now; }

if [ "${HOTDESK_IMAGE_TEST:-1}" = 0 ]; then
  skip "off under ctest (it builds every binary inside the image: minutes with the host's compiler cache, ~40 min without, on 2 cores); configure with -DHOTDESK_IMAGE_TEST=ON or run tests/image/run.sh (.ci/run does)"
fi
for tool in podman mmdebstrap redis-server; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (deploy/install-deps.sh installs it)"
done

# This project's machines run containers only with runc (crun refuses their hybrid cgroup
# layout), the host network, and ulimits at or below the caller's (no CAP_SYS_RESOURCE).
podman_args=()
command -v runc >/dev/null 2>&1 && podman_args+=(--runtime runc)
# (podman's defaults are far above; nproc even at the caller's hard limit is refused here).
nofile=$(ulimit -Hn); nproc=16384
{ [ "$nofile" = unlimited ] || [ "$nofile" -gt 65536 ]; } && nofile=65536
limits=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")
pod() { podman "${podman_args[@]}" "$@"; }

base=localhost/hotdesk-base:bookworm
if ! pod image exists "$base"; then
  tar="$(mktemp -d)/bookworm.tar"
  echo "== making the Debian base with mmdebstrap (bookworm, minbase)"
  mmdebstrap --variant=minbase --format=tar bookworm "$tar" >/dev/null 2>"$tar.log" ||
    { tail -5 "$tar.log"; skip "mmdebstrap could not make a Debian base (no Debian mirror?)"; }
  pod import "$tar" "$base" >/dev/null
  rm -rf "$(dirname "$tar")"
fi
phase "Debian base"
if ! out=$(pod run --rm --network=host "${limits[@]}" "$base" true 2>&1); then
  echo "$out"
  skip "podman cannot start a container on this machine"
fi

tag="localhost/hotdesk:test-$$"
ctr="hotdesk-image-test-$$"
redis_pid=""
cleanup() {
  pod rm -f "$ctr" "$ctr-web" >/dev/null 2>&1 || true
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
  [ "${HOTDESK_IMAGE_KEEP:-0}" = 1 ] || pod rmi -f "$tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The build lends the image build the host's compiler cache (the one tests/run.sh fills), with
# the host's build type, so that sources the host compiled already are not compiled again.
ccache_dir="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hotdesk-ccache}"
mkdir -p "$ccache_dir"
build_type="${HOTDESK_IMAGE_BUILD_TYPE:-RelWithDebInfo}"
echo "== building deploy/Dockerfile (all binaries, $build_type) with podman, compiler cache $ccache_dir"
pod build --network=host "${limits[@]}" --layers=false --build-arg "DEBIAN_IMAGE=$base" \
  --build-arg "BUILD_TYPE=$build_type" --volume "$ccache_dir:/ccache" \
  -f "$root/deploy/Dockerfile" -t "$tag" "$root" >"${TMPDIR:-/tmp}/hotdesk-image-build-$$.log" 2>&1 ||
  { tail -40 "${TMPDIR:-/tmp}/hotdesk-image-build-$$.log"; echo "FAIL: image build"; exit 1; }
phase "image build"
grep -E "cacheable calls|Hits:|hit rate" "${TMPDIR:-/tmp}/hotdesk-image-build-$$.log" | tail -3 || true
pod image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$tag"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free_port); gport=$(free_port); hport=$(free_port)
rdir=$(mktemp -d)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$rdir" >/dev/null 2>&1 &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done

# The server runs as the image's non-root user with its default command line.
pod run -d --name "$ctr" --network=host "${limits[@]}" "$tag" \
  hotdesk-server --listen "127.0.0.1:$gport" --redis_addr "127.0.0.1:$rport" --metrics_listen= \
  --insecure_no_auth >/dev/null
state=""
for _ in $(seq 100); do
  state=$(pod exec "$ctr" hotdeskctl --server "127.0.0.1:$gport" health 2>&1 || true)
  case "$state" in *SERVING*) case "$state" in *NOT_SERVING*) ;; *) break ;; esac ;; esac
  sleep 0.2
done
echo "hotdeskctl health (in the image): $state"
case "$state" in *NOT_SERVING*|"") pod logs "$ctr" | tail -20; echo "FAIL: server not SERVING"; exit 1 ;; esac
case "$state" in *SERVING*) ;; *) pod logs "$ctr" | tail -20; echo "FAIL: server not SERVING"; exit 1 ;; esac
uid=$(pod exec "$ctr" id -u)
[ "$uid" = 10001 ] || { echo "FAIL: runs as uid $uid, not 10001"; exit 1; }

pod run -d --name "$ctr-web" --network=host "${limits[@]}" "$tag" \
  hotdesk-web --server "127.0.0.1:$gport" --listen "127.0.0.1:$hport" --metrics_listen= >/dev/null
web=""
for _ in $(seq 100); do
  web=$(curl -fsS "http://127.0.0.1:$hport/v1/health" 2>/dev/null || true)
  [ -n "$web" ] && break
  sleep 0.2
done
echo "hotdesk-web /v1/health (in the image): $web"
case "$web" in *'"SERVING"'*) ;; *) pod logs "$ctr-web" | tail -20; echo "FAIL: hotdesk-web"; exit 1 ;; esac
phase "run and health"
echo "image test passed in $(( $(date +%s) - t0 )) s"
echo "1 passed, 0 failed"
