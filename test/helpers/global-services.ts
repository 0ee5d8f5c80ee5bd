import { resolveKafkaDriver } from "../../runtime/kafka/adapter.js";
import { ensureFakesnow } from "./fakesnow.js";
import { ensureKafka } from "./kafka.js";

/** Snowflake-protocol server (fakesnow) on 127.0.0.1:$EVT_FAKESNOW_PORT (default 18080). */
export async function startFakesnow(): Promise<void> {
  await ensureFakesnow();
}

/** Apache Kafka (KRaft, single node) on 127.0.0.1:$EVT_KAFKA_PORT (default 19092), via scripts/kafka.sh. */
export async function startKafka(): Promise<void> {
  await ensureKafka();
}

/** vitest globalSetup for the integration project: start every service that is not running. */
export default async function setup(): Promise<void> {
  // every Kafka client the tests and their child processes create follows EVT_KAFKA_DRIVER
  // (scripts/test-kafka-drivers.sh sets it): say which, and refuse a bad name before any test runs
  console.log(`integration tests on the ${resolveKafkaDriver()} Kafka driver`);
  await startFakesnow();
  await startKafka();
}
