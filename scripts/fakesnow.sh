#!/usr/bin/env bash
# Snowflake-protocol server (fakesnow + infra/fakesnow/launcher.py) for development and CI.
#
#   scripts/fakesnow.sh start    create .cache/fakesnow-venv if missing, start the server, wait for the port
#   scripts/fakesnow.sh stop     stop the server this script started (its pid file only)
#   scripts/fakesnow.sh status   exit 0 when running and accepting connections, 1 otherwise
#
# Env: EVT_FAKESNOW_PORT (default 18080), EVT_FAKESNOW_START_TIMEOUT (seconds, default 60),
#      EVT_FAKESNOW_MEMORY=1 for an in-memory server (no data directory).
# Files (all under the ignored .cache/): fakesnow-venv/, fakesnow.log, fakesnow.pid, fakesnow-data/;
#      for a port other than 18080 the last three live in .cache/fakesnow-port-<PORT>/ instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
VENV="$CACHE/fakesnow-venv"
REQS="$ROOT/infra/fakesnow/requirements.txt"
LAUNCHER="$ROOT/infra/fakesnow/launcher.py"
HOST=127.0.0.1
PORT="${EVT_FAKESNOW_PORT:-18080}"
# one server per port: a non-default port gets its own log, pid file and data (DuckDB locks its files)
if [[ "$PORT" == 18080 ]]; then RUN="$CACHE"; else RUN="$CACHE/fakesnow-port-$PORT"; fi
LOG="$RUN/fakesnow.log"
PIDFILE="$RUN/fakesnow.pid"
DATA="$RUN/fakesnow-data"
TIMEOUT="${EVT_FAKESNOW_START_TIMEOUT:-60}"
STOP_TIMEOUT=10
NAME=fakesnow
ENDPOINT="http://$HOST:$PORT"
# shellcheck source=lib/service.sh
source "$ROOT/scripts/lib/service.sh"

# pid of our launcher: the one in the pid file, else (pid file lost to a race) the process
# running this checkout's launcher on this port; never any other process
our_pid() {
  local pid
  if [[ -f "$PIDFILE" ]]; then
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]] && is_our_launcher "$pid"; then echo "$pid"; return 0; fi
  fi
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    if is_our_launcher "$pid"; then echo "$pid" >"$PIDFILE"; echo "$pid"; return 0; fi
  done
  return 1
}

is_our_launcher() {
  local cmd
  cmd="$( { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null)" || return 1  # the process may end while /proc is scanned
  [[ "$cmd" == *"$LAUNCHER --host $HOST --port $PORT "* || "$cmd" == *"$LAUNCHER --host $HOST --port $PORT" ]]
}

# serialise start/stop: test runs of several projects may call this script at the same time
lock() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/fakesnow.lock"
  flock -w 120 9 || die "timed out waiting for $CACHE/fakesnow.lock"
}

ensure_venv() {
  # the stamp records which requirements the venv was built from; rebuild when they change
  local stamp="$VENV/.evt-requirements"
  if [[ -x "$VENV/bin/python" ]] && cmp -s "$REQS" "$stamp"; then return 0; fi
  command -v python3 >/dev/null 2>&1 \
    || die "python3 is not installed; fakesnow needs Python >= 3.10 (e.g. apt-get install python3 python3-venv)"
  python3 -c 'import venv, ensurepip' 2>/dev/null \
    || die "python3 has no venv/ensurepip module; install it (e.g. apt-get install python3-venv)"
  say "creating $VENV from $REQS"
  mkdir -p "$CACHE"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS" \
    || die "pip install -r $REQS failed"
  cp "$REQS" "$stamp"
}

start() {
  local pid
  lock
  if pid="$(our_pid)"; then
    say "already running (pid $pid, http://$HOST:$PORT)"
    return 0
  fi
  if port_open; then
    die "port $PORT on $HOST is already in use by another process; set EVT_FAKESNOW_PORT to a free port"
  fi
  ensure_venv
  mkdir -p "$RUN"
  local args=(--host "$HOST" --port "$PORT")
  if [[ "${EVT_FAKESNOW_MEMORY:-0}" != 1 ]]; then
    mkdir -p "$DATA"
    args+=(--db-path "$DATA")
  fi
  echo "---- $(date -u +%FT%TZ) start ${args[*]}" >>"$LOG"
  # setsid: the server outlives the shell (and vitest) that started it
  # (9>&-: the server must not inherit the lock)
  setsid "$VENV/bin/python" "$LAUNCHER" "${args[@]}" >>"$LOG" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PIDFILE"
  wait_ready "$pid" port_open
  say "started (pid $pid, http://$HOST:$PORT, log $LOG)"
}

dispatch "$@"
