import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Flags } from "@oclif/core";
import { parse as parseYaml } from "yaml";
import { EvtError } from "../../compiler/errors.js";
import { INGEST_ROUTES_PATH } from "../../compiler/emit/layout.js";
import type { EventContract } from "@evt/runtime/contract.js";
import { isRuntimeConfigError, isTopicError, isKafkaClientError } from "@evt/runtime/errors.js";
import { jsonLogger, type LogLevel } from "@evt/runtime/log.js";
import { onStopSignal, completion } from "@evt/runtime/lifecycle.js";
import type { WriteKeySpec } from "@evt/runtime/http/keys.js";
import { EvtCommand, type CommandResult } from "../base-command.js";
import { importModule } from "../load-contracts.js";
import { kafkaDriverOption } from "../kafka-driver.js";

/** Write keys from a YAML/JSON file or EVT_INGEST_KEYS (the same document): `{ keys: [{ app, keyEnv | key | keySha256, … }] }`. */
function readKeySpecs(file: string | undefined): WriteKeySpec[] {
  const text = file ? (() => {
    try {
      return readFileSync(file, "utf8");
    } catch (e) {
      throw new EvtError(`cannot read the write keys file ${file}: ${(e as Error).message}`);
    }
  })() : process.env.EVT_INGEST_KEYS;
  if (!text) throw new EvtError("no write keys: pass --keys FILE or set EVT_INGEST_KEYS (see evt ingest --help)");
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new EvtError(`${file ?? "EVT_INGEST_KEYS"}: not YAML/JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new EvtError(`${file ?? "EVT_INGEST_KEYS"}: expected { keys: [ { app, keyEnv, types, origins, ratePerSecond } ] }`);
  return keys as WriteKeySpec[];
}

export default class Ingest extends EvtCommand<typeof Ingest> {
  static override summary = "Serve the HTTP collector for apps and browsers (POST /v1/events) until SIGTERM.";
  static override description =
    "Accepts batches of events from clients outside the company — only the contracts marked ingest { public: true } " +
    "(the route table <out>/ingest/routes.json), only with a write key, each key limited to event types, CORS origins and a rate. " +
    "Each event is validated against its contract and answered on its own (accepted, or rejected with failure type, field path and reason); " +
    "accepted events are produced to their topics with ce_id = the client's id, rejected ones to the bad-events topic; the answer is sent " +
    "only after Kafka acknowledged. Kafka unavailable: 503 with Retry-After. Serves /healthz, /readyz and /metrics (Prometheus; " +
    "on --metrics-port instead when given, to keep it off the public listener). SIGTERM/SIGINT stop accepting, " +
    "finish in-flight requests and exit 0. Write keys: --keys FILE or EVT_INGEST_KEYS, YAML or JSON " +
    '{"keys":[{"app":"web-shop","keyEnv":"SHOP_KEY","types":["clickstream.v1.PageViewed"],"origins":["https://shop.example.com"],"ratePerSecond":200}]} ' +
    "(key, keyEnv or keySha256; keys are never logged).";
  static override examples = [
    "<%= config.bin %> ingest --keys ingest-keys.yaml --host 0.0.0.0 --port 8080",
    "EVT_INGEST_KEYS=\"$(cat keys.json)\" <%= config.bin %> ingest --create-topics",
  ];
  static override flags = {
    host: Flags.string({ summary: "Address to listen on (default 127.0.0.1; 0.0.0.0 behind a load balancer).", default: "127.0.0.1" }),
    port: Flags.integer({ summary: "Port to listen on (0: any free port, printed on start).", default: 8080, min: 0, max: 65535 }),
    keys: Flags.string({ summary: "Write keys file (YAML or JSON); default: the EVT_INGEST_KEYS environment variable.", helpValue: "FILE" }),
    routes: Flags.string({ summary: "Route table (default: <out>/ingest/routes.json).", helpValue: "FILE" }),
    contracts: Flags.string({ summary: "Module exporting the generated `catalog` (default: <out>/ts/index.js, else <out>/ts/index.ts through tsx).", helpValue: "MODULE" }),
    brokers: Flags.string({ summary: "Kafka bootstrap brokers, comma-separated (default: evt.yaml kafka.brokers).", helpValue: "HOST:PORT,…" }),
    "bad-topic": Flags.string({ summary: "Topic of rejected events (default ingest.bad_events.v1).", default: "ingest.bad_events.v1", helpValue: "TOPIC" }),
    "create-topics": Flags.boolean({ summary: "Create the bad-events topic when it is missing (event topics come from evt topics create)." }),
    topic: Flags.string({ multiple: true, summary: "Send an event type to another topic: TYPE=TOPIC (staging, tests); repeatable.", helpValue: "TYPE=TOPIC" }),
    "max-body-bytes": Flags.integer({ summary: "Request body limit as sent (default 1048576); over it: 413.", min: 1 }),
    "max-events": Flags.integer({ summary: "Events per batch (default 500); over it: 413.", min: 1 }),
    "max-event-bytes": Flags.integer({ summary: "Bytes per event (default 65536); over it the event is rejected (size_violation).", min: 1 }),
    "ack-timeout-ms": Flags.integer({ summary: "Wait for Kafka's acknowledgement before answering 503 (default 10000).", min: 1 }),
    "retry-after": Flags.integer({ summary: "Retry-After seconds of a 503 (default 5).", min: 1 }),
    "linger-ms": Flags.integer({
      summary: "How long the first accepted event waits for other requests' events before a produce request goes out (default 0; requests are answered only after Kafka acknowledged their events).", min: 0, max: 1000, helpValue: "MS",
    }),
    "metrics-port": Flags.integer({
      summary: "Serve /metrics (and /healthz, /readyz) on this port instead of the collector's (0 = any free port, logged).", min: 0, max: 65535, helpValue: "PORT",
    }),
    "log-level": Flags.option({ options: ["debug", "info", "warn", "error"] as const, default: "info" as const, summary: "Lowest level logged to stderr." })(),
  };

  protected async exec(): Promise<CommandResult> {
    const config = this.evtConfig();
    const cwd = process.cwd();
    const log = jsonLogger({ level: (this.flags.verbose ? "debug" : this.flags["log-level"]) as LogLevel, base: { component: "evt-ingest" } });
    const brokers = this.flags.brokers ? this.flags.brokers.split(",").map((b) => b.trim()).filter(Boolean) : [...config.kafka.brokers];
    const specs = readKeySpecs(this.flags.keys ? path.resolve(cwd, this.flags.keys) : undefined);
    const overrides = new Map<string, string>();
    for (const t of this.flags.topic ?? []) {
      const eq = t.indexOf("=");
      if (eq <= 0 || eq === t.length - 1) throw new EvtError(`--topic ${t}: expected TYPE=TOPIC`);
      overrides.set(t.slice(0, eq), t.slice(eq + 1));
    }
    const contractsFile = this.flags.contracts
      ? path.resolve(cwd, this.flags.contracts)
      : [path.join(config.out, "ts", "index.js"), path.join(config.out, "ts", "index.ts")].find((f) => existsSync(f));
    if (!contractsFile) throw new EvtError(`no contract module under ${config.out}/ts: run evt generate or pass --contracts`);
    const mod = await importModule(contractsFile);
    if (!Array.isArray(mod.catalog)) throw new EvtError(`${contractsFile} does not export a \`catalog\` array of contracts`);
    const routesFile = path.resolve(cwd, this.flags.routes ?? path.join(config.out, INGEST_ROUTES_PATH));

    // Fastify, kafkajs and the collector load only when this command runs (oclif imports every command).
    const [{ readRouteTable, resolveRoutes }, { WriteKeys }, { createCollector }, { startIngestServer }, { createKafkaClient }, { Instrumentation }, { RuntimeMetrics }, { startOpsServer }] = await Promise.all([
      import("@evt/runtime/http/routes.js"), import("@evt/runtime/http/keys.js"), import("@evt/runtime/http/collector.js"),
      import("@evt/runtime/http/server.js"), import("@evt/runtime/kafka/adapter.js"), import("@evt/runtime/instrumentation.js"),
      import("@evt/runtime/metrics/runtime-metrics.js"), import("@evt/runtime/metrics/ops-server.js"),
    ]);
    // requests by status, events accepted/rejected by failure type, the producer's counters, request latency
    const instrumentation = new Instrumentation();
    const metrics = new RuntimeMetrics();
    metrics.attach(instrumentation);
    const metricsPort = this.flags["metrics-port"];
    let server: Awaited<ReturnType<typeof startIngestServer>>;
    let ops: Awaited<ReturnType<typeof startOpsServer>> | undefined;
    try {
      if (!existsSync(routesFile)) throw new EvtError(`no route table at ${routesFile}: mark contracts ingest { public: true } and run evt generate`);
      const table = readRouteTable(routesFile);
      for (const type of overrides.keys()) if (!table.routes.some((r) => r.type === type)) throw new EvtError(`--topic ${type}: not a public event of the route table`);
      const routes = resolveRoutes(table, mod.catalog as EventContract[], (type, topic) => overrides.get(type) ?? topic);
      const collector = createCollector({
        routes,
        keys: new WriteKeys(specs),
        client: createKafkaClient({ brokers, clientId: `${config.kafka.clientId}-ingest`, logLevel: "nothing", ...kafkaDriverOption(config) }),
        badTopic: this.flags["bad-topic"],
        createTopics: this.flags["create-topics"],
        limits: {
          ...(this.flags["max-body-bytes"] ? { maxBodyBytes: this.flags["max-body-bytes"] } : {}),
          ...(this.flags["max-events"] ? { maxEvents: this.flags["max-events"] } : {}),
          ...(this.flags["max-event-bytes"] ? { maxEventBytes: this.flags["max-event-bytes"] } : {}),
        },
        ...(this.flags["ack-timeout-ms"] ? { ackTimeoutMs: this.flags["ack-timeout-ms"] } : {}),
        ...(this.flags["retry-after"] ? { retryAfterSeconds: this.flags["retry-after"] } : {}),
        logger: log,
        instrumentation,
        ...(this.flags["linger-ms"] !== undefined ? { batching: { lingerMs: this.flags["linger-ms"] } } : {}),
      });
      const hook = async () => ({ contentType: metrics.contentType, body: await metrics.text() });
      server = await startIngestServer({ collector, host: this.flags.host, port: this.flags.port, ...(metricsPort === undefined ? { metrics: hook } : {}) });
      if (metricsPort !== undefined) {
        ops = await startOpsServer({ metrics, port: metricsPort, host: this.flags.host, ready: () => collector.ready().ready, healthy: () => true }).catch((e: NodeJS.ErrnoException) => {
          void server.close();
          throw new EvtError(e.code === "EADDRINUSE" ? `--metrics-port ${metricsPort}: the port is in use by another process` : `--metrics-port ${metricsPort}: cannot listen (${e.message})`);
        });
      }
      log.info("collector listening", {
        address: server.address, metrics: ops ? `port ${ops.port}` : `${server.address}/metrics`, ...(ops ? { metricsPort: ops.port } : {}),
        routes: [...routes.keys()], apps: specs.map((s) => s.app), badTopic: this.flags["bad-topic"],
      });
    } catch (e) {
      if (isRuntimeConfigError(e) || isTopicError(e)) throw new EvtError(e.message);
      if (isKafkaClientError(e)) throw new EvtError(`cannot reach Kafka at ${brokers.join(",")}: ${e.message}`);
      throw e;
    }
    const stopped = completion();
    onStopSignal((signal) => {
      log.info("signal received; finishing in-flight requests", { signal });
      Promise.all([server.close(), ops?.close()]).then(() => stopped.resolve(), stopped.reject);
    });
    await stopped.done;
    log.info("collector stopped");
    return { json: { stopped: true }, text: "" };
  }
}
