#!/usr/bin/env bash
# The chart's alert rules: syntax (promtool check rules) and behaviour (promtool test rules, a
# series that fires each alert and a healthy twin that does not). Needs Debian's prometheus.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v promtool >/dev/null 2>&1; then
  echo "SKIP: promtool not found (Debian package prometheus; deploy/install-deps.sh installs it)"
  exit 77
fi
promtool check rules "$here/../../helm/hotdesk/files/alerts.yaml"
cd "$here"
promtool test rules alerts_test.yaml
