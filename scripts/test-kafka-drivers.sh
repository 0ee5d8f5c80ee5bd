#!/usr/bin/env bash
# The integration files that talk to Kafka, once per driver given (default: every driver), with
# EVT_KAFKA_DRIVER set so the producer, runner, sinks, CLI and test fixtures all run on it:
#   bash scripts/test-kafka-drivers.sh [kafkajs] [platformatic]
# Each pass writes .tmp/vitest-kafka-<driver>.json for scripts/test-summary.mjs. `npm test` runs the
# whole integration suite on the default driver and this script for the others (a few minutes).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp

FILES=(
  test/integration/kafka-runtime.test.ts test/integration/kafka-broker.test.ts test/integration/kafka-processes.test.ts
  test/integration/kafka-catalog-roundtrip.test.ts test/integration/runner-starvation.test.ts
  test/integration/producer-outage.test.ts test/integration/dlq-oversized.test.ts test/integration/dlq-replay.test.ts
  test/integration/sink-exactly-once.test.ts test/integration/sink-recovery.test.ts test/integration/run-faults.test.ts
  test/integration/metrics-status.test.ts test/integration/topics-cli.test.ts test/integration/ingest-kafka-outage.test.ts
)
# npm test runs the driver-level files only (--quick: the client's produce, consume, group, admin,
# outage and DLQ paths, a few minutes); the sink and kill-loop files take ~15 min per driver and run
# with `npm run test:kafka-drivers` (no --quick) before a driver becomes the default (D81).
QUICK=(
  test/integration/kafka-runtime.test.ts test/integration/kafka-broker.test.ts
  test/integration/kafka-catalog-roundtrip.test.ts test/integration/runner-starvation.test.ts
  test/integration/producer-outage.test.ts test/integration/dlq-oversized.test.ts test/integration/dlq-replay.test.ts
  test/integration/topics-cli.test.ts test/integration/ingest-kafka-outage.test.ts
)
if [ "${1:-}" = "--quick" ]; then FILES=("${QUICK[@]}"); shift; fi
drivers=("$@")
[ ${#drivers[@]} -eq 0 ] && drivers=(kafkajs platformatic)

status=0
for driver in "${drivers[@]}"; do
  echo "== Kafka integration files on the ${driver} driver"
  EVT_KAFKA_DRIVER="$driver" npx vitest run --project integration --reporter=default --reporter=json \
    --outputFile.json=".tmp/vitest-kafka-${driver}.json" "${FILES[@]}" || status=1
done
exit $status
