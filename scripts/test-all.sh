#!/usr/bin/env bash
# What `npm test` runs: build, type-check, the staleness check of generated/, every unit, CLI and
# integration test (the integration project's global setup starts Kafka and the
# Snowflake-protocol server when they are not running), then one closing count line.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp

echo "== Debian tools the tests use (installed when missing)"
bash scripts/chromium.sh          # the browser tests (playwright-core drives Debian's chromium)
bash scripts/apt-ensure.sh /usr/bin/promtool prometheus   # evaluates the generated alert rules

echo "== build (tsc -b, then the oclif manifest of the commands built)"
node node_modules/typescript/bin/tsc -b tsconfig.json && node dist/cli/build-manifest.js

echo "== type-check (sources, tests, benchmarks)"
node node_modules/typescript/bin/tsc -p tsconfig.test.json --noEmit

echo "== evt generate --check (generated/ must not be stale)"
node bin/run.js generate --check

status=0
echo "== unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json=.tmp/vitest-unit.json || status=1

echo "== CLI tests (the built evt and the tools it drives: buf, tsc, promtool, a pseudo-terminal)"
npx vitest run --project cli --reporter=default --reporter=json --outputFile.json=.tmp/vitest-cli.json || status=1

echo "== integration tests (real Kafka broker, fakesnow; the default Kafka driver unless EVT_KAFKA_DRIVER says otherwise)"
npx vitest run --project integration --reporter=default --reporter=json --outputFile.json=.tmp/vitest-integration.json || status=1

# the driver-level Kafka files again on every driver that is not the default (docs/decisions.md D81)
others=$(node -e 'import("./runtime/dist/kafka/adapter.js").then((m) => console.log(m.KAFKA_DRIVERS.filter((d) => d !== m.DEFAULT_KAFKA_DRIVER).join(" ")))')
reports=()
for driver in $others; do
  bash scripts/test-kafka-drivers.sh --quick "$driver" || status=1
  reports+=(".tmp/vitest-kafka-${driver}.json")
done

node scripts/test-summary.mjs .tmp/vitest-unit.json .tmp/vitest-cli.json .tmp/vitest-integration.json "${reports[@]}"
exit $status
