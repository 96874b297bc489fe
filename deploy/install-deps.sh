#!/usr/bin/env bash
# Installs the Debian (bookworm) packages hotdesk builds, runs and tests with, if any is missing.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build pkg-config ccache git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libhiredis-dev libev-dev libssl-dev prometheus-cpp-dev
  libpugixml-dev libcurl4-openssl-dev libcpp-httplib-dev libsodium-dev libgoogle-perftools-dev
  libjwt-dev nlohmann-json3-dev openssl
  redis-server redis-tools redis-sentinel tzdata ca-certificates
  libgtest-dev libgmock-dev clang libclang-rt-14-dev
  nodejs npm unzip python3 python3-yaml curl
  chromium chromium-driver python3-selenium prometheus
  podman mmdebstrap runc uidmap
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere (e.g. a preinstalled toolchain); only install if absent.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}")
  missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
