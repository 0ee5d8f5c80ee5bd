#!/usr/bin/env bash
# Apache Flink for evt's declarative processors (a MiniCluster inside evt's helper JVM; no daemon).
#
#   scripts/flink.sh fetch              fetch the jars (Maven, infra/flink/pom.xml) into .cache/flink/libs,
#                                       build the helper (infra/flink/src) into .cache/flink/build and copy
#                                       protoc (matched to Flink's protobuf-java) to .cache/flink/bin/protoc;
#                                       a no-op while the pom and the sources are unchanged
#   scripts/flink.sh contracts POM DIR  build the generated JVM contract classes (generated/java/pom.xml)
#                                       into DIR (evt-contracts-1.jar)
#   scripts/flink.sh status             exit 0 when everything `fetch` makes is in place
#
# Env: EVT_FLINK_CACHE (default .cache/flink), JAVA (java binary), MVN (default mvn).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INFRA="$ROOT/infra/flink"
CACHE="${EVT_FLINK_CACHE:-$ROOT/.cache/flink}"
MVN="${MVN:-mvn}"
NAME=flink
say() { echo "$NAME: $*" >&2; }
die() { echo "$NAME: $*" >&2; exit 1; }

# what the cache was made from: the pom and the helper's sources
stamp_of() { cat "$INFRA/pom.xml" "$INFRA"/log4j2.properties $(find "$INFRA/src" -type f | sort) | sha256sum | cut -c1-16; }

need_tools() {
  command -v java >/dev/null 2>&1 || [[ -n "${JAVA:-}" ]] \
    || die "Java is not installed; Flink needs Java 17 (e.g. apt-get install openjdk-17-jdk-headless)"
  command -v "$MVN" >/dev/null 2>&1 \
    || die "Maven (mvn) is not installed; it fetches Flink from Maven Central (e.g. apt-get install maven)"
}

status() {
  [[ -f "$CACHE/.evt-stamp" && "$(cat "$CACHE/.evt-stamp")" == "$(stamp_of)" && -x "$CACHE/bin/protoc" ]]
}

fetch() {
  if status; then return 0; fi
  need_tools
  local protobuf
  protobuf="$(sed -n 's:.*<protobuf.version>\(.*\)</protobuf.version>.*:\1:p' "$INFRA/pom.xml")"
  say "fetching Flink into $CACHE (mvn, infra/flink/pom.xml; about 140 MB the first time)"
  mkdir -p "$CACHE/libs" "$CACHE/bin"
  "$MVN" -B -q -f "$INFRA/pom.xml" dependency:copy-dependencies -DoutputDirectory="$CACHE/libs" \
    || die "mvn dependency:copy-dependencies failed (see the output above)"
  "$MVN" -B -q -f "$INFRA/pom.xml" package -Devt.flink.build="$CACHE/build" \
    || die "building the evt Flink helper failed (see the output above)"
  "$MVN" -B -q dependency:copy -Dartifact="com.google.protobuf:protoc:$protobuf:exe:linux-x86_64" \
    -DoutputDirectory="$CACHE/bin" || die "fetching protoc $protobuf failed (see the output above)"
  mv -f "$CACHE/bin/protoc-$protobuf-linux-x86_64.exe" "$CACHE/bin/protoc"
  chmod +x "$CACHE/bin/protoc"
  stamp_of >"$CACHE/.evt-stamp"
}

contracts() {
  local pom="${1:?usage: flink.sh contracts POM DIR}" dir="${2:?usage: flink.sh contracts POM DIR}"
  need_tools
  mkdir -p "$(dirname "$dir")"
  "$MVN" -B -q -f "$pom" package -Devt.java.build="$dir" >"$dir.log" 2>&1 \
    || { tail -n 30 "$dir.log" >&2; die "building the contract classes failed ($pom; log $dir.log)"; }
}

case "${1:-}" in
  fetch) fetch ;;
  contracts) shift; contracts "$@" ;;
  status) status ;;
  *) echo "usage: scripts/flink.sh fetch|contracts POM DIR|status" >&2; exit 2 ;;
esac
