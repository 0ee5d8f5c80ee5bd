/**
 * Where a sink row's time goes, stage by stage, without Kafka: protobuf decoding, row mapping
 * (text cells for Snowflake, native cells for DuckDB's appender) and the CloudEvents header reads,
 * in µs per row on the bench's SearchPerformed events. Complements the CPU profile of
 * `bench.ts --profile` (which includes Kafka).
 *
 *   npx tsx bench/sink/stages.ts [--rows 50000]
 */
import os from "node:os";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { compileRowMapper, type CellFormat } from "../../runtime/sinks/row-mapping.js";
import { H, headerString } from "../../runtime/kafka/headers.js";
import { catalog } from "../../generated/ts/index.js";
import { searchPerformed } from "../../test/integration/fixtures/sink-events.js";
import { generatedConfig } from "../../test/integration/fixtures/sink-setup.js";
import { uuidv7 } from "../../runtime/uuid7.js";

const i = process.argv.indexOf("--rows");
const N = i > 0 ? Number(process.argv[i + 1]) : 50_000;
const sink = generatedConfig.sinks.find((s) => s.name === "CLICKSTREAM.SEARCH_PERFORMED")!;
const schema = catalog.find((c) => c.type === sink.eventType)!.schema;
const values = Array.from({ length: N }, (_, k) => toBinary(schema, searchPerformed(k)));
const headers = values.map(() => ({ ce_id: Buffer.from(uuidv7()), ce_type: Buffer.from(sink.eventType), ce_time: Buffer.from("2024-05-06T07:08:09.123456789Z"), ce_source: Buffer.from("bench"), evt_schema: Buffer.from(sink.fingerprint) }));

function perRow(what: string, run: () => void): void {
  run(); // warm-up
  const t0 = performance.now();
  run();
  console.log(`${what.padEnd(34)} ${(((performance.now() - t0) * 1000) / N).toFixed(2)} µs/row`);
}

console.log(`${N} SearchPerformed rows (${values[0]!.byteLength} B each); load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
perRow("protobuf decode (fromBinary)", () => {
  for (const v of values) fromBinary(schema, v);
});
perRow("header reads (5 × headerString)", () => {
  for (const h of headers) {
    headerString(h, H.id); headerString(h, H.type); headerString(h, H.time); headerString(h, H.source); headerString(h, H.schema);
  }
});
const events = values.map((v) => fromBinary(schema, v));
for (const format of ["text", "native"] as CellFormat[]) {
  const m = compileRowMapper(generatedConfig, sink, schema, format);
  perRow(`row mapping, ${format} cells (no decode)`, () => {
    for (let k = 0; k < N; k++) m.mapEvent(events[k]!, { id: "0190e0f0-0000-7000-8000-000000000001", type: sink.eventType, time: "2024-05-06T07:08:09.123456789Z", source: "bench", schema: sink.fingerprint, topic: sink.topic, partition: 0, offset: String(k), ingestMs: Date.now() });
  });
}
