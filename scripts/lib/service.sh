# Shared by scripts/kafka.sh and scripts/fakesnow.sh: the start/stop/status plumbing of a local
# test service. The caller sets NAME, HOST, PORT, ENDPOINT (for messages), LOG, PIDFILE,
# TIMEOUT (seconds) and STOP_TIMEOUT (seconds), sources this file, then defines `our_pid` (prints
# the pid of the service this checkout started, or fails), `start`, and optionally `lock`.

say() { echo "$NAME: $*"; }
# Serialises start/stop where the caller needs it (it redefines `lock`); a no-op by default.
lock() { :; }
die() { echo "$NAME: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$HOST/${1:-$PORT}") 2>/dev/null; }

# wait_ready PID COMMAND...: polls COMMAND every 0.1 s until it succeeds; exits 1 with the log's
# tail when PID dies first or TIMEOUT passes.
wait_ready() {
  local pid="$1" waited=0
  shift
  until "$@"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      echo "$NAME: exited during startup; last lines of $LOG:" >&2
      tail -n 30 "$LOG" >&2
      exit 1
    fi
    if (( waited >= TIMEOUT * 10 )); then
      echo "$NAME: not ready after ${TIMEOUT}s (pid $pid left running); last lines of $LOG:" >&2
      tail -n 30 "$LOG" >&2
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Stops our process: TERM, up to STOP_TIMEOUT seconds to exit, then KILL. Never another process.
stop() {
  local pid
  lock
  if ! pid="$(our_pid)"; then
    rm -f "$PIDFILE"
    say "not running"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 $((STOP_TIMEOUT * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid did not stop after ${STOP_TIMEOUT}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  if [[ "$(cat "$PIDFILE" 2>/dev/null)" == "$pid" ]]; then rm -f "$PIDFILE"; fi
  say "stopped (pid $pid)"
}

status() {
  local pid
  if pid="$(our_pid)" && port_open; then
    say "running (pid $pid, $ENDPOINT)"
    return 0
  fi
  say "not running"
  return 1
}

# dispatch "$@": start | stop | status
dispatch() {
  case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
  esac
}
