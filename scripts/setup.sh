#!/usr/bin/env bash
# Installs the system packages the test suite needs (idempotent; sudo only when not root).
set -euo pipefail

packages=(python3 python3-numpy mosquitto mosquitto-clients gcc)
# The uploader's fleet test and bench run a three-node NATS cluster (JetStream, MQTT listeners): scripts/nats-cluster.sh.
packages+=(nats-server)
# Gateway builds and the arm64 leg (scripts/build.sh, scripts/package.sh, scripts/test-arm64-system.sh,
# tests/system/deb_package.sh, tests/system/c_header_32bit.sh): cross compilers, qemu-user, systemd-analyze.
# The arm64 xunit leg (scripts/test-arm64.sh) runs linux-arm64 test executables through binfmt_misc against Debian's own
# arm64 libraries (multiarch): glibc, libstdc++ and libssl (xunit v3 hashes test IDs with SHA-256, which .NET takes from
# OpenSSL).
packages+=(clang qemu-user-static gcc-aarch64-linux-gnu g++-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
    gcc-arm-linux-gnueabihf g++-arm-linux-gnueabihf libc6-dev-armhf-cross systemd)
packages+=(libc6:arm64 libstdc++6:arm64 libssl3:arm64)
# The web view's browser test (tests/ParquetFlow.Web.Tests) drives a real headless Chromium through chromedriver.
packages+=(chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The broker is started by the tests themselves on a private port; make sure the packaged
# service is not holding the default port on machines where it auto-starts.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then systemctl stop mosquitto || true; fi
fi
echo "setup: system packages present (${packages[*]})" >&2
