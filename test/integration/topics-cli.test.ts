import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { writeProtoTree } from "../helpers/compile-proto.js";
import { ensureKafka } from "../helpers/kafka.js";
import { runEvt } from "../helpers/run-cli.js";

// `evt topics create` against the real broker: partitions and retention from the contract,
// DLQ topics, existing topics left alone, unreachable broker → exit 2.
const suffix = randomBytes(3).toString("hex");
const topic = `itest.topics_${suffix}.v1`;
const drifted = `itest.topics_drift_${suffix}.v1`;
let brokers: string[];
let dir: string;
let driftProto: string;
const admin = () => new Kafka({ brokers, clientId: "topics-test", logLevel: logLevel.NOTHING }).admin();

beforeAll(async () => {
  brokers = await ensureKafka();
  dir = writeProtoTree({
    "itest/v1/t.proto": `syntax = "proto3";
package itest.v1;
import "evt/v1/options.proto";
// A test event.
message Pinged {
  option (evt.v1.event) = { topic: "${topic}" key: "id" owner: "team-test" partitions: 3 retention_hours: 5 };
  // Id.
  string id = 1;
}
`,
  });
  // a second contract whose topic already exists on the broker with other settings
  driftProto = `syntax = "proto3";
package itest.drift.v1;
import "evt/v1/options.proto";
// A drifted event.
message Drifted {
  option (evt.v1.event) = { topic: "${drifted}" key: "id" owner: "team-test" partitions: 3 retention_hours: 5 };
  // Id.
  string id = 1;
}
`;

  writeFileSync(path.join(dir, "evt.yaml"), `proto: .\nkafka:\n  brokers: ["${brokers[0]}"]\n`);
});

afterAll(async () => {
  const a = admin();
  await a.connect();
  await a.deleteTopics({ topics: [topic, `${topic}.dlq`, drifted, `${drifted}.dlq`] }).catch(() => undefined);
  await a.disconnect();
});

it("creates the contract's topic and its DLQ with the declared partitions and retention, then leaves them alone", async () => {
  const dry = runEvt(["topics", "create", "--dry-run", "--json"], { cwd: dir });
  expect(dry.code, dry.stderr).toBe(0);
  expect(JSON.parse(dry.stdout).result.topics.map((t: { topic: string }) => t.topic)).toEqual([topic, `${topic}.dlq`]);

  const first = runEvt(["topics", "create"], { cwd: dir });
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toContain("2 created, 0 already existed");

  const a = admin();
  await a.connect();
  const meta = await a.fetchTopicMetadata({ topics: [topic, `${topic}.dlq`] });
  expect(meta.topics.map((t) => t.partitions.length)).toEqual([3, 3]);
  const configs = await a.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ["retention.ms"] }] });
  expect(configs.resources[0]!.configEntries[0]!.configValue).toBe(String(5 * 3_600_000));
  await a.disconnect();

  const again = runEvt(["topics", "create"], { cwd: dir });
  expect(again.code, again.stderr).toBe(0);
  expect(again.stdout).toContain("0 created, 2 already existed");
  // the broker's settings, read back, not the contract's printed as if they were the topic's
  expect(again.stdout).toContain(`exists   ${topic}  partitions=3 retention=5h cleanup=delete`);
});

it("reports an existing topic whose partitions, retention or cleanup policy differ from its contract as drift (exit 1), changing nothing", async () => {
  const a = admin();
  await a.connect();
  await a.createTopics({ waitForLeaders: true, topics: [{ topic: drifted, numPartitions: 2, replicationFactor: 1, configEntries: [
    { name: "retention.ms", value: String(3_600_000) }, { name: "cleanup.policy", value: "compact" },
  ] }] });
  await a.disconnect();
  const only = writeProtoTree({ "itest/drift/v1/d.proto": driftProto });
  writeFileSync(path.join(only, "evt.yaml"), `proto: .\nkafka:\n  brokers: ["${brokers[0]}"]\n`);

  const res = runEvt(["topics", "create"], { cwd: only });
  expect(res.code, res.stderr).toBe(1);
  expect(res.stdout).toContain(`drift    ${drifted}  partitions=2 retention=1h cleanup=compact`);
  expect(res.stdout).toContain("partitions is 2 on the broker, 3 in the contract");
  expect(res.stdout).toContain("retention.ms is 3600000 on the broker, 18000000 in the contract");
  expect(res.stdout).toContain("cleanup.policy is compact on the broker, delete in the contract");
  expect(res.stdout).toMatch(/1 created, 1 already existed; 1 drift from their contracts/);

  const json = runEvt(["topics", "create", "--json"], { cwd: only });
  expect(json.code).toBe(1);
  const t = JSON.parse(json.stdout).result.topics.find((x: { topic: string }) => x.topic === drifted);
  expect(t.status).toBe("drift");
  expect(t.differences.map((d: { setting: string }) => d.setting)).toEqual(["partitions", "retention.ms", "cleanup.policy"]);

  // nothing was changed on the broker
  const b = admin();
  await b.connect();
  const meta = await b.fetchTopicMetadata({ topics: [drifted] });
  await b.disconnect();
  expect(meta.topics[0]!.partitions).toHaveLength(2);
});

it("exits 2 with one clear line when the broker cannot be reached", () => {
  const res = runEvt(["topics", "create", "--brokers", "127.0.0.1:1"], { cwd: dir });
  expect(res.code).toBe(2);
  expect(res.stderr).toMatch(/cannot create topics on 127\.0\.0\.1:1/);
});

it("rejects a --topic that no contract declares (exit 2)", () => {
  const res = runEvt(["topics", "create", "--dry-run", "--topic", "nope.nope.v1"], { cwd: dir });
  expect(res.code).toBe(2);
  expect(res.stderr).toContain("no event contract declares this topic");
});
