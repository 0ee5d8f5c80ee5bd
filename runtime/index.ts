/** Public runtime API (`evt/runtime`): what generated code and services import. */
export * from "./contract.js";
export * from "./kafka/producer.js";
export * from "./kafka/processor.js";
export * from "./errors.js";
export * from "./retry.js";
export * from "./instrumentation.js";
export { uuidv7, uuidv7Time } from "./uuid7.js";
export * from "./kafka/adapter.js";
export * from "./kafka/topics.js";
export { H as CE_HEADERS, DLQ as DLQ_HEADERS, dlqTopicOf } from "./kafka/headers.js";
export * from "./log.js";
export { startRunner, type Runner, type RunnerOptions } from "./kafka/runner.js";
