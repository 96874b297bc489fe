#!/usr/bin/env bash
# Builds the libFuzzer target over the CSTA frame decoder + XML parser with clang
# (-fsanitize=fuzzer,address,undefined) and runs it briefly. Installs nothing; skips (exit 0)
# only when clang++ is absent. FUZZ_SECONDS overrides the run time (default 20).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
clangxx="$(command -v clang++ || command -v clang++-14 || true)"
if [[ -z "$clangxx" ]]; then
  echo "clang++ not found: skipping the CSTA fuzz run"
  exit 0
fi
work="${FUZZ_WORKDIR:-$(mktemp -d)}"
mkdir -p "$work/corpus"
trap '[[ -z "${FUZZ_WORKDIR:-}" ]] && rm -rf "$work"' EXIT
src="$root/adapters/csta"
# shellcheck disable=SC2046
"$clangxx" -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root" $(pkg-config --cflags pugixml) \
  "$here/fuzz_frame_xml.cc" "$src/frame_codec.cc" "$src/csta_xml.cc" "$src/namespaces.cc" "$root/services/common/xml_escape.cc" \
  $(pkg-config --libs pugixml) -labsl_strings -labsl_strings_internal -labsl_int128 -labsl_raw_logging_internal -labsl_throw_delegate \
  -o "$work/fuzz_frame_xml"
"$work/fuzz_frame_xml" -max_total_time="${FUZZ_SECONDS:-20}" -max_len=4096 -timeout=10 \
  -print_final_stats=1 "$work/corpus" "$here/fuzz_seeds"
