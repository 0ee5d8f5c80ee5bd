#!/usr/bin/env bash
# Installs a Debian package when the binary a test needs is missing:
#   scripts/apt-ensure.sh BINARY PACKAGE      e.g. /usr/bin/promtool prometheus
# Needs root (CI and the dev machine run as root); waits for dpkg's lock when another run installs.
set -euo pipefail
BIN="$1"; PKG="$2"
if [ -x "$BIN" ]; then echo "$PKG: $BIN"; exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "$PKG: $BIN is missing and installing it needs root: sudo apt-get install -y $PKG" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$PKG" >/dev/null
echo "$PKG: installed $BIN"
