#!/usr/bin/env bash
# Runs libFuzzer targets built with -DHOTDESK_FUZZ=ON (tests/fuzz/README.md): each for SECONDS
# on a working copy of its seed corpus (tests/fuzz/corpus/<name>/, which is only read), and
# prints the executions. A crash fails the run; its input is kept in BUILD/fuzz-artifacts/<name>/.
#   tests/fuzz/run.sh [--build DIR] [--seconds N] [--keep-corpus] [NAME...] [-- LIBFUZZER_ARGS]
# (default: every target; e.g. "-- -fork=1 -ignore_crashes=1" goes on past a known failure)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$root/build-fuzz"
seconds="${HOTDESK_FUZZ_SECONDS:-25}"
keep=0
names=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; extra=("$@"); break ;;
    --build) build="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --keep-corpus) keep=1; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) names+=("$1"); shift ;;
  esac
done
if [ ${#names[@]} -eq 0 ]; then
  for d in "$root"/tests/fuzz/corpus/*/; do names+=("$(basename "$d")"); done
fi

status=0
for name in "${names[@]}"; do
  bin="$build/tests/fuzz/${name}_fuzz"
  seeds="$root/tests/fuzz/corpus/$name"
  if [ ! -x "$bin" ]; then
    echo "fuzz $name: $bin not built (configure with -DHOTDESK_FUZZ=ON and clang)" >&2
    status=1
    continue
  fi
  # The working corpus persists in the build tree, so that a long run here builds on earlier ones.
  work="$build/fuzz-corpus/$name"
  artifacts="$build/fuzz-artifacts/$name"
  mkdir -p "$work" "$artifacts"
  [ "$keep" = 1 ] || rm -rf "${work:?}"/*
  log="$build/fuzz-artifacts/$name.log"
  dict=()
  [ -f "$root/tests/fuzz/$name.dict" ] && dict=(-dict="$root/tests/fuzz/$name.dict")
  set +e
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "${extra[@]}" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  if [ $rc -ne 0 ]; then
    echo "fuzz $name: FAILED after ${execs:-?} executions (exit $rc); input kept in $artifacts/"
    # The target's own explanation ("<name>_fuzz: ..." and the lines after it), then the
    # sanitizer's verdict.
    grep -a -A3 "^${name}_fuzz: " "$log" | head -12 || true
    grep -a -E 'ERROR: |runtime error|SUMMARY' "$log" | head -6 || true
    status=1
  else
    echo "fuzz $name: ${execs:-?} executions in ${seconds} s, coverage ${cov:-?}, corpus $(ls "$work" | wc -l) inputs, no failure"
  fi
done
exit $status
