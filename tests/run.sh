#!/usr/bin/env bash
# The test command: installs what is missing, builds one configuration, runs its tests under
# ctest. Tests start their own redis-server and hotdesk processes on free loopback ports.
#
#   tests/run.sh                           default build (RelWithDebInfo), every test
#   HOTDESK_SANITIZE=address tests/run.sh  ASan+UBSan build (build-asan): the unit, store
#                                          contract, end-to-end and adapter suites, fuzz replays
#   HOTDESK_SANITIZE=thread tests/run.sh   TSan build (build-tsan): the suites with threads,
#                                          callbacks and sockets (the lists are below)
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

# A sanitizer configuration builds and runs named suites (test binaries; each binary's tests carry
# its name as a ctest label) and the processes they start, not the whole tree: three cold builds of
# everything would not fit CI's time. ASan+UBSan: every suite of the services and adapters (with
# the fuzz corpus replays); TSan, slower: the code with threads, callbacks and sockets.
# HOTDESK_SUITES="a b" picks others; HOTDESK_SUITES=all builds and runs everything.
binaries=(hotdesk-server hotdeskctl)
case "$name" in
  asan) suites=(common_test core_test auth_test redis_cluster_slots_test redis_client_test
                store_test store_contract_test redis_store_test events_test server_test
                directory_unit_test directory_service_test server_e2e_test watch_e2e_test
                auth_e2e_test adapter_common_test csta_protocol_test csta_gateway_test
                xsp_unit_test xsp_e2e_test featurecodes_unit_test featurecodes_e2e_test
                web_mapping_test web_e2e_test
                ids_fuzz commands_fuzz record_codec_fuzz csta_frame_xml_fuzz xsi_xml_fuzz
                doc_splitter_fuzz dial_plan_fuzz featurecodes_request_fuzz)
        binaries+=(hotdesk-csta hotdesk-xsp hotdesk-xsp-sim hotdesk-featurecodes hotdesk-web) ;;
  tsan) suites=(redis_client_test store_contract_test events_test server_test
                adapter_common_test server_e2e_test watch_e2e_test csta_server_test
                csta_gateway_inprocess_test) ;;
  *) suites=() ;;
esac
# Under TSan the end-to-end tests run on the single Redis only: their Sentinel and Cluster copies
# run the same server code (the Redis client's modes have their own tests in redis_client_test),
# and at TSan's speed six more Redis processes per test would not fit CI's time.
exclude=()
[ "$name" = tsan ] && exclude=(-E '/(sentinel|cluster)( |$)')
[ -n "${HOTDESK_SUITES:-}" ] && read -r -a suites <<<"$HOTDESK_SUITES"
[ "${suites[*]:-}" = all ] && suites=()
labels=()
if [ ${#suites[@]} -gt 0 ]; then
  targets=(--target "${binaries[@]}" "${suites[@]}")
  # Every suite's label is its binary's name; the fuzz corpus replays share "fuzz_replay".
  pattern="$(IFS='|'; echo "${suites[*]}")"
  case " ${suites[*]} " in *_fuzz\ *) pattern+="|fuzz_replay" ;; esac
  labels=(-L "^($pattern)\$")
fi
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
ctest --test-dir "$build" --output-on-failure -j2 --timeout 900 "${labels[@]}" "${exclude[@]}" "$@" 2>&1 |
  tee "$build/ctest.log"
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
