#!/usr/bin/env bash
# Debian's chromium for the browser tests (playwright-core drives it; never a downloaded build).
# Installs it when /usr/bin/chromium is missing; needs root (CI and the dev container run as root).
set -euo pipefail
BIN="${EVT_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$BIN" ]; then echo "chromium: $BIN"; exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium: $BIN is missing and installing it needs root: sudo apt-get install -y chromium" >&2
  exit 2
fi
# another test run may be installing it right now: wait for dpkg's lock instead of failing
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium >/dev/null
echo "chromium: installed $BIN"
