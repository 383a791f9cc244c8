#!/usr/bin/env bash
# Installs the Debian 12 packages tern needs to build, test and run.
# Idempotent and fast when everything is present: apt-get runs only for
# packages that are missing. Needs root (or sudo) for the install step.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config
  # tests: clang for ASan/UBSan + libFuzzer, valgrind
  clang libclang-rt-14-dev valgrind
  # interop peers and cross-checks (independent implementations)
  libcoap3-bin gnutls-bin python3 python3-cbor2 libcbor-dev
  # TLS
  libgnutls28-dev
  # server: embedded store, REST API, command-line client
  libsqlite3-dev sqlite3 libmicrohttpd-dev libcurl4-gnutls-dev curl
  # footprint build for Cortex-M
  gcc-arm-none-eabi libnewlib-arm-none-eabi
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
