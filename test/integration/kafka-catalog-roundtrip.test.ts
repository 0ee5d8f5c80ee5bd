import type { Message } from "@bufbuild/protobuf";
import { afterAll, describe, expect, it } from "vitest";
import {
  createKafkaClient, createProducer, defineProcessor, ensureTopics, startRunner, type EventContract, type EventMetadata, type Runner,
} from "../../runtime/index.js";
import { catalog } from "../../generated/ts/index.js";
import { kafkaBrokers, uniqueTopic, waitFor } from "../helpers/kafka.js";
import { sampleMessage } from "../helpers/sample-message.js";

// Every example event of proto/, through the generated contracts: typed produce → runner → typed
// handler, with every field populated and compared, on the contracts' own topics.
describe("round trip of every example event (generated/ts catalog)", () => {
  const client = createKafkaClient({ brokers: kafkaBrokers(), logLevel: "nothing" });
  let runner: Runner | undefined;
  afterAll(async () => {
    await runner?.stop();
  });

  it("produces and consumes each contract with all fields equal", async () => {
    const contracts = catalog as readonly EventContract[];
    expect(contracts.length).toBeGreaterThanOrEqual(10);
    await ensureTopics(client, contracts, { dlq: true });
    const producer = createProducer({ client, source: "it-catalog" });
    await producer.connect();
    const sent = new Map<string, { contract: EventContract; event: Message; key: string | null }>();
    for (const [i, contract] of contracts.entries()) {
      const events = [0, 1, 2].map((k) => sampleMessage<Message>(contract.schema, i * 10 + k));
      const results = await producer.send(contract, events);
      results.forEach((r, k) => {
        const event = events[k]!;
        const keyValue = contract.keyOf?.(event as never);
        sent.set(r.id, { contract, event, key: keyValue === undefined || keyValue === null ? null : String(keyValue) });
      });
    }
    await producer.disconnect();

    // the topics are shared with earlier runs: a fresh group reads everything, we compare ours
    const got = new Map<string, { event: Message; meta: EventMetadata }>();
    runner = await startRunner({
      client,
      groupId: uniqueTopic("g-catalog"),
      catalog: contracts,
      processors: contracts.map((c) => defineProcessor(c, (event, meta) => {
        if (sent.has(meta.id)) got.set(meta.id, { event: event as Message, meta });
      })),
    });
    await waitFor(() => got.size === sent.size, `${sent.size} events back`, 120_000);
    for (const [id, s] of sent) {
      const g = got.get(id)!;
      expect(g.event, s.contract.type).toEqual(s.event);
      expect(g.meta).toMatchObject({ type: s.contract.type, topic: s.contract.topic, schemaFingerprint: s.contract.fingerprint, key: s.key, source: "it-catalog" });
    }
    expect(new Set([...got.values()].map((g) => g.meta.type)).size).toBe(contracts.length);
  });
});
