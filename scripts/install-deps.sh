#!/usr/bin/env bash
# Installs everything chatnode needs to build, run and test, from Debian 12 packages.
# Idempotent: when every package is already installed, apt is not touched at all.
# Node.js/npm (test clients only) are installed only when `node` is missing, so a Node.js from
# another source (e.g. NodeSource, which bundles npm) is left alone.
set -euo pipefail

# clang + libclang-rt-14-dev (libFuzzer and clang's sanitizer runtimes, only Recommended by clang) build
# the fuzz targets of tests/fuzz; llvm provides llvm-symbolizer, for file:line in their crash reports.
# ca-certificates: the system store that https:// AI backends are verified against (ai/tls_client).
PACKAGES=(build-essential cmake pkg-config libcaf-dev libboost1.81-dev libhiredis-dev rapidjson-dev
          prometheus-cpp-dev libssl-dev libcrypt-dev libjemalloc-dev ca-certificates redis-server redis-tools curl
          clang libclang-rt-14-dev llvm)
if ! command -v node >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
elif ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
