/** Public runtime API (`evt/runtime`): what generated code and services import. */
export * from "./contract.js";
export * from "./kafka/producer.js";
export * from "./kafka/processor.js";
