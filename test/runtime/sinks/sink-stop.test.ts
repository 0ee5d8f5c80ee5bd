/** Issue 10 item 3 (unit level): a stop during warehouse retries ends within the grace period, never as a clean stop. */
import { toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { readSinkConfig, type SinkSpec } from "../../../runtime/sinks/config.js";
import { startSinks } from "../../../runtime/sinks/sink.js";
import { WarehouseError } from "../../../runtime/warehouse/errors.js";
import { isStopTimeoutError } from "../../../runtime/errors.js";
import { jsonLogger } from "../../../runtime/log.js";
import { catalog } from "../../../generated/ts/index.js";
import { searchPerformed } from "../../integration/fixtures/sink-events.js";
import { MemWriter, memKafka, type MemKafka } from "./fakes.js";

const config = readSinkConfig("generated/sinks/evt-sinks.json");
const search = config.sinks.find((s) => s.name === "CLICKSTREAM.SEARCH_PERFORMED")!;
const schemaOf = (s: SinkSpec): DescMessage => catalog.find((c) => c.type === s.eventType)!.schema;
const quiet = jsonLogger({ level: "silent" });

function produce(k: MemKafka, partition: number, event: Message, id: string): void {
  k.append(search.topic, partition, {
    key: null, value: Buffer.from(toBinary(schemaOf(search), event as never)),
    headers: { ce_id: id, ce_type: search.eventType, ce_time: "2024-05-06T07:08:09.5Z", ce_source: "test" },
  });
}

describe("sink stop", () => {
  it("cancels warehouse retries after the grace period: done rejects with StopTimeoutError naming the retry; nothing is written or committed", async () => {
    const k = memKafka({ [search.topic]: 1 });
    for (let i = 0; i < 5; i++) produce(k, 0, searchPerformed(i), `id-${i}`);
    const w = new MemWriter();
    w.transientFailures = 1_000_000; // the warehouse is away for good
    const runner = await startSinks({ config, sinks: [search], contracts: catalog, writer: w, client: k, logger: quiet, batch: { maxRows: 100, maxMs: 10 }, retry: { initialBackoffMs: 5, maxBackoffMs: 20 }, stopGraceMs: 300 });
    while (runner.stats()[0]!.retries < 3) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    const e = await runner.stop().then(() => undefined, (x: unknown) => x);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(isStopTimeoutError(e), String(e)).toBe(true);
    expect((e as Error).message).toMatch(/within the 300 ms grace period while retrying write batch for CLICKSTREAM\.SEARCH_PERFORMED/);
    await expect(runner.done).rejects.toThrow(/grace period/);
    expect(w.calls).toHaveLength(0);
    expect(k.committed.get(`${search.topic}/0`)).toBeUndefined();
  });

  it("a fatal error during the final flush is not a clean stop", async () => {
    const k = memKafka({ [search.topic]: 1 });
    const w = new MemWriter();
    const runner = await startSinks({ config, sinks: [search], contracts: catalog, writer: w, client: k, logger: quiet, batch: { maxRows: 100, maxMs: 60_000 } });
    produce(k, 0, searchPerformed(1), "id-1");
    await new Promise((r) => setTimeout(r, 200)); // buffered, not yet flushed (maxMs is long)
    w.writeBatch = async () => { throw new WarehouseError("duckdb: table dropped", "fatal"); };
    await expect(runner.stop()).rejects.toThrow("table dropped");
    await expect(runner.done).rejects.toThrow("table dropped");
  });
});
