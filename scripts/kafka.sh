#!/usr/bin/env bash
# Apache Kafka broker (single node, KRaft, 127.0.0.1) for development and CI.
#
#   scripts/kafka.sh start    fetch the jars if missing (Maven, infra/kafka/pom.xml), format the storage
#                             once, start the broker, wait until it accepts connections
#   scripts/kafka.sh stop     stop the broker this script started (its pid file only)
#   scripts/kafka.sh status   exit 0 when running and accepting connections, 1 otherwise
#
# Env: EVT_KAFKA_PORT (default 19092), EVT_KAFKA_CONTROLLER_PORT (default port + 1),
#      EVT_KAFKA_HEAP (default 768m), EVT_KAFKA_START_TIMEOUT (seconds, default 90),
#      JAVA (java binary, default: java on PATH, or $JAVA_HOME/bin/java), EVT_KAFKA_LIBS (jar folder).
# Files (all under the ignored .cache/kafka/): libs/ (jars), data/ (KRaft storage),
#      server.properties (rendered), server.log, kafka.pid; for a port other than 19092 the last
#      four live in .cache/kafka/port-<PORT>/ instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INFRA="$ROOT/infra/kafka"
CACHE="$ROOT/.cache/kafka"
LIBS="${EVT_KAFKA_LIBS:-$CACHE/libs}"
HOST=127.0.0.1
PORT="${EVT_KAFKA_PORT:-19092}"
# one broker per port: a non-default port gets its own storage, log and pid file (jars are shared)
if [[ "$PORT" == 19092 ]]; then RUN="$CACHE"; else RUN="$CACHE/port-$PORT"; fi
DATA="$RUN/data"
PROPS="$RUN/server.properties"
LOG="$RUN/server.log"
PIDFILE="$RUN/kafka.pid"
CONTROLLER_PORT="${EVT_KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
HEAP="${EVT_KAFKA_HEAP:-768m}"
TIMEOUT="${EVT_KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT=30
NAME=kafka
ENDPOINT="$HOST:$PORT"
# shellcheck source=lib/service.sh
source "$ROOT/scripts/lib/service.sh"

# pid from our pid file, if that process is alive and is our broker
our_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka" || return 1
  echo "$pid"
}

find_java() {
  local java="${JAVA:-}"
  if [[ -z "$java" && -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then java="$JAVA_HOME/bin/java"; fi
  if [[ -z "$java" ]]; then java="$(command -v java || true)"; fi
  [[ -z "${JAVA:-}" || -x "$java" ]] || die "JAVA=$java is not an executable"
  [[ -n "$java" ]] || die "Java is not installed; the broker needs Java 17 or newer (e.g. apt-get install openjdk-17-jre-headless, or set JAVA_HOME)"
  local version
  version="$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [[ "$version" =~ ^[0-9]+$ ]] || die "could not read the version of $java"
  (( version >= 17 )) || die "$java is Java $version; Kafka 4 needs Java 17 or newer"
  echo "$java"
}

ensure_libs() {
  # the stamp records which pom the jars came from; refetch when it changes
  local stamp="$LIBS/.evt-pom"
  if [[ -d "$LIBS" ]] && cmp -s "$INFRA/pom.xml" "$stamp"; then return 0; fi
  command -v mvn >/dev/null 2>&1 \
    || die "Maven (mvn) is not installed; it fetches the broker from Maven Central (e.g. apt-get install maven)"
  say "fetching the broker jars into $LIBS (mvn, infra/kafka/pom.xml)"
  rm -rf "$LIBS"
  mkdir -p "$LIBS"
  mvn -B -q -f "$INFRA/pom.xml" dependency:copy-dependencies -DoutputDirectory="$LIBS" \
    || die "mvn dependency:copy-dependencies failed (see the output above)"
  cp "$INFRA/pom.xml" "$stamp"
}

render_props() {
  sed -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" -e "s|@DATA_DIR@|$DATA|g" \
    "$INFRA/server.properties.template" >"$PROPS"
}

# "$LIBS/*" stays literal: the JVM expands class-path wildcards itself
JVM_ARGS=(-Xms256m "-Xmx$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$INFRA/log4j2.yaml" "-Dkafka.logs.dir=$RUN" -cp "$LIBS/*")

format_storage() {
  [[ -f "$DATA/meta.properties" ]] && return 0
  local java="$1" cluster_id
  mkdir -p "$DATA"
  cluster_id="$("$java" "${JVM_ARGS[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOG" | tail -n1)"
  say "formatting KRaft storage $DATA (cluster $cluster_id)"
  "$java" "${JVM_ARGS[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" >>"$LOG" 2>&1 \
    || { tail -n 20 "$LOG" >&2; die "formatting $DATA failed (log $LOG)"; }
}

start() {
  local pid
  if pid="$(our_pid)"; then
    say "already running (pid $pid, $HOST:$PORT)"
    return 0
  fi
  if port_open "$PORT"; then
    die "port $PORT on $HOST is already in use by another process; set EVT_KAFKA_PORT to a free port"
  fi
  local java
  java="$(find_java)"
  ensure_libs
  mkdir -p "$RUN"
  render_props
  format_storage "$java"
  local start_line
  start_line=$(( $(wc -l <"$LOG" 2>/dev/null || echo 0) + 1 ))
  echo "---- $(date -u +%FT%TZ) start $HOST:$PORT heap $HEAP" >>"$LOG"
  # setsid: the broker outlives the shell (and vitest) that started it
  setsid "$java" "${JVM_ARGS[@]}" kafka.Kafka "$PROPS" >>"$LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDFILE"
  # ready = the listener accepts connections and the broker has logged that it finished starting
  broker_ready() { port_open "$PORT" && tail -n +"$start_line" "$LOG" | grep -q "Kafka Server started"; }
  wait_ready "$pid" broker_ready
  say "started (pid $pid, $HOST:$PORT, log $LOG)"
}

dispatch "$@"
