#!/usr/bin/env bash
# Debian's chromium for the browser tests (playwright-core drives it; never a downloaded build).
set -euo pipefail
exec bash "$(dirname "$0")/apt-ensure.sh" "${EVT_CHROMIUM:-/usr/bin/chromium}" chromium
