#!/usr/bin/env bash
# The test command: installs what is missing, builds everything, runs every test under ctest.
# Tests start their own redis-server and hotdesk processes on free loopback ports.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

[ "${HOTDESK_SKIP_DEPS:-0}" = 1 ] || bash deploy/install-deps.sh

# The compiler cache lives outside the clone, so a fresh clone on the same machine reuses it.
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hotdesk-ccache}"
# The compiler is hashed by content so that the container image build (tests/image/run.sh), which
# has the same Debian compiler at another path and time, reuses this cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}" CCACHE_NOHASHDIR=1 CCACHE_COMPILERCHECK=content
build="${HOTDESK_BUILD_DIR:-$root/build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j2
ctest --test-dir "$build" --output-on-failure -j2 --timeout 600
