/**
 * The Kafka driver the CLI's clients use: `EVT_KAFKA_DRIVER` when set (the runtime reads it
 * itself, and validates it), else evt.yaml's `kafka.driver`, else the runtime's default. The
 * environment wins over the file so one evt.yaml can be run on either driver (the test suite does).
 */
import type { EvtConfig } from "../compiler/config/index.js";

export function kafkaDriverOption(config: EvtConfig, env: NodeJS.ProcessEnv = process.env): { driver?: "kafkajs" | "platformatic" } {
  if (env.EVT_KAFKA_DRIVER?.trim()) return {};
  return config.kafka.driver ? { driver: config.kafka.driver } : {};
}
