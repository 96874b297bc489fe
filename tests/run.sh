#!/usr/bin/env bash
# The test command: installs what is missing, builds one configuration, runs its tests under
# ctest. Tests start their own redis-server and hotdesk processes on free loopback ports.
#
#   tests/run.sh                           default build (RelWithDebInfo), every test
#   HOTDESK_SANITIZE=address tests/run.sh  ASan+UBSan build (build-asan): unit, store contract,
#                                          end-to-end, adapters, fuzz corpus replays
#   HOTDESK_SANITIZE=thread tests/run.sh   the same under TSan (build-tsan)
#   HOTDESK_FUZZ=1 tests/run.sh            clang libFuzzer build (build-fuzz): every fuzz target
#                                          for HOTDESK_FUZZ_SECONDS (25) each
# HOTDESK_BUILD_DIR overrides the build directory; extra arguments go to ctest (e.g. -R Faults).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

[ "${HOTDESK_SKIP_DEPS:-0}" = 1 ] || bash deploy/install-deps.sh

# The compiler cache lives outside the clone, so a fresh clone on the same machine reuses it.
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hotdesk-ccache}"
# The compiler is hashed by content so that the container image build (tests/image/run.sh), which
# has the same Debian compiler at another path and time, reuses this cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}" CCACHE_NOHASHDIR=1 CCACHE_COMPILERCHECK=content

sanitize="${HOTDESK_SANITIZE:-}"
fuzz="${HOTDESK_FUZZ:-0}"
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
targets=()
case "$sanitize:$fuzz" in
  :0) name=default ;;
  address:0)
    name=asan
    cmake_args+=(-DHOTDESK_SANITIZE=address)
    ;;
  thread:0)
    name=tsan
    cmake_args+=(-DHOTDESK_SANITIZE=thread)
    ;;
  :1)
    name=fuzz
    cmake_args+=(-DHOTDESK_FUZZ=ON -DHOTDESK_BUILD_TESTS=OFF -DCMAKE_CXX_COMPILER=clang++
                 "-DHOTDESK_FUZZ_SECONDS=${HOTDESK_FUZZ_SECONDS:-25}")
    targets=(--target hotdesk_fuzz_targets)
    ;;
  *) echo "HOTDESK_SANITIZE must be address or thread (or unset); HOTDESK_FUZZ=1 alone" >&2; exit 2 ;;
esac
if [ "$name" = default ]; then build="${HOTDESK_BUILD_DIR:-$root/build}"
else build="${HOTDESK_BUILD_DIR:-$root/build-$name}"; fi

# Sanitizer reports of every process (tests and the servers, adapters and tools they spawn,
# which are this build's sanitized binaries) go to files, checked after the run. Fuzz runs keep
# theirs on stderr, where tests/fuzz/run.sh collects them with the failing input.
logs="$build/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"
supp="$root/tests/sanitizers"
if [ "$name" = asan ] || [ "$name" = tsan ]; then
  export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:strict_string_checks=1"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1"
  export TSAN_OPTIONS="log_path=$logs/tsan:suppressions=$supp/tsan.supp:second_deadlock_stack=1"
fi

t0=$SECONDS
cmake -S . -B "$build" "${cmake_args[@]}"
cmake --build "$build" -j2 "${targets[@]}"
t1=$SECONDS
set +e
ctest --test-dir "$build" --output-on-failure -j2 --timeout 900 "$@" 2>&1 | tee "$build/ctest.log"
rc=${PIPESTATUS[0]}
set -e
# "passed failed" of this configuration, for .ci/run's total.
sed -n 's/^[0-9]*% tests passed, \([0-9]*\) tests* failed out of \([0-9]*\)$/\2 \1/p' \
  "$build/ctest.log" | awk '{print $1 - $2, $2}' >"$build/test-counts"
t2=$SECONDS

reports=$(find "$logs" -type f -size +0 | sort)
if [ -n "$reports" ]; then
  echo "sanitizer reports ($name):"
  for f in $reports; do echo "--- $f"; head -c 20000 "$f"; done
  rc=1
fi
echo "tests/run.sh $name: build $((t1 - t0)) s, tests $((t2 - t1)) s, exit $rc"
exit $rc
