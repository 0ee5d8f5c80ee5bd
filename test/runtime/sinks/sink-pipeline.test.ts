/**
 * The sink writes a batch while the next one fills (sink.ts bufferRecords): at most one batch in
 * flight, batches in order, and nothing written after a batch that failed — its successor's
 * high-water would cover the failed batch's rows.
 */
import { toBinary, type DescMessage } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { readSinkConfig, type SinkSpec } from "../../../runtime/sinks/config.js";
import { startSinks, type SinkRunner } from "../../../runtime/sinks/sink.js";
import type { MappedRow } from "../../../runtime/sinks/row-mapping.js";
import type { PartitionOffset, WriteResult } from "../../../runtime/sinks/writer.js";
import { WarehouseError } from "../../../runtime/warehouse/errors.js";
import { jsonLogger } from "../../../runtime/log.js";
import { Instrumentation } from "../../../runtime/instrumentation.js";
import { catalog } from "../../../generated/ts/index.js";
import { searchPerformed } from "../../integration/fixtures/sink-events.js";
import { MemWriter, memKafka, type MemKafka } from "./fakes.js";

const config = readSinkConfig("generated/sinks/evt-sinks.json");
const search = config.sinks.find((s) => s.name === "CLICKSTREAM.SEARCH_PERFORMED")!;
const schema: DescMessage = catalog.find((c) => c.type === search.eventType)!.schema;
const quiet = jsonLogger({ level: "silent" });

function fill(k: MemKafka, n: number): void {
  for (let i = 0; i < n; i++) {
    k.append(search.topic, 0, { key: null, value: Buffer.from(toBinary(schema, searchPerformed(i) as never)), headers: { ce_id: `id-${i}`, ce_type: search.eventType } });
  }
}

async function until(pred: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A MemWriter whose writes wait for `release()`; counts writes in flight. */
class GatedWriter extends MemWriter {
  inFlight = 0;
  maxInFlight = 0;
  private readonly gate: Promise<void>;
  private open: () => void = () => {};
  failFirst: WarehouseError | undefined;
  constructor() {
    super();
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open();
  }
  override async writeBatch(sink: SinkSpec, rows: readonly MappedRow[], offsets: readonly PartitionOffset[]): Promise<WriteResult> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.gate;
      const fail = this.failFirst;
      this.failFirst = undefined;
      if (fail) throw fail;
      return await super.writeBatch(sink, rows, offsets);
    } finally {
      this.inFlight -= 1;
    }
  }
}

let runner: SinkRunner | undefined;
afterEach(async () => {
  await runner?.stop().catch(() => {});
  runner = undefined;
});

describe("sink batches are pipelined", () => {
  it("fills the next batch while one is written, never two writes at once, and high-waters only move forward", async () => {
    const k = memKafka({ [search.topic]: 1 });
    fill(k, 100);
    const w = new GatedWriter();
    const instrumentation = new Instrumentation();
    let consumed = 0;
    instrumentation.on("sink.consumed", (e) => (consumed += e.payload.count));
    runner = await startSinks({ config, sinks: [search], contracts: catalog, writer: w, client: k, logger: quiet, instrumentation, batch: { maxRows: 10, maxMs: 60_000 } });
    // the first batch waits in the warehouse; the sink has read on into the next batch meanwhile
    await until(() => w.inFlight === 1 && consumed >= 20, "first batch in flight and the next one read");
    await new Promise((r) => setTimeout(r, 50));
    expect(w.inFlight).toBe(1);
    expect(w.calls).toHaveLength(0);
    w.release();
    await until(() => (w.tables.get(search.table)?.size ?? 0) === 100, "100 rows");
    expect(w.maxInFlight).toBe(1);
    const highs = w.calls.map((c) => Number(c.offsets[0]!.offset));
    expect(highs).toEqual([...highs].sort((a, b) => a - b));
    expect(new Set(highs).size).toBe(highs.length);
    expect(highs.at(-1)).toBe(99);
  });

  it("after a batch fails, the batch taken behind it is not written (its high-water would cover the lost rows)", async () => {
    const k = memKafka({ [search.topic]: 1 });
    fill(k, 30);
    const w = new GatedWriter();
    w.failFirst = new WarehouseError("duckdb: INSERT INTO x: Catalog Error: table dropped", "fatal");
    runner = await startSinks({ config, sinks: [search], contracts: catalog, writer: w, client: k, logger: quiet, batch: { maxRows: 10, maxMs: 60_000 } });
    const done = runner.done.then(() => "resolved", (e: Error) => e.message);
    await until(() => w.inFlight === 1, "first batch in flight");
    await new Promise((r) => setTimeout(r, 50)); // the sink reads on and queues the second batch
    w.release();
    expect(await done).toMatch(/table dropped/);
    runner = undefined;
    expect(w.calls).toHaveLength(0);
    expect(w.highWater.size).toBe(0);
  });
});
