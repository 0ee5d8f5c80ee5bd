/** Metrics of the runtime (prom-client, an optional peer): import from `@evt/runtime/metrics/index.js`. */
export { RuntimeMetrics, type RuntimeMetricsOptions, type PartitionBehind, type BehindSource } from "./runtime-metrics.js";
export { recordsBehind } from "./behind.js";
export { startOpsServer, type OpsServer, type OpsServerOptions } from "./ops-server.js";
export { DLQ_REASONS, sinkReasonClass, type DlqReason } from "./reasons.js";
