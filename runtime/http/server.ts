/**
 * `evt ingest`'s HTTP server on Fastify (docs/decisions.md D67): the one module that imports it.
 * Routes: POST /v1/events (JSON or protobuf batch, optionally gzip), OPTIONS /v1/events (CORS
 * preflight), GET /healthz, GET /readyz, and GET /metrics when a metrics hook is given; every
 * POST's status and latency go to the collector's instrumentation (`ingest.response`). Bodies are
 * read as bytes with Fastify's limit (413 with the limit), gunzipped with a second limit, parsed
 * here; the collector does the rest. `close()` stops accepting, lets in-flight requests finish
 * (their Kafka acks included), then disconnects.
 */
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { loadOptionalPeer } from "../optional-peer.js";
import type { Answer, Collector, IncomingBatch, IncomingEvent } from "./collector.js";
import { decodeProtobufBatch } from "./protobuf-batch.js";

const gunzipAsync = promisify(gunzip);

export interface MetricsHook {
  /** Prometheus text (or any format) and its content type, e.g. from a prom-client registry. */
  (): Promise<{ readonly contentType: string; readonly body: string }>;
}

export interface IngestServerOptions {
  readonly collector: Collector;
  readonly host?: string;
  /** 0 picks a free port (see `address`). */
  readonly port?: number;
  readonly metrics?: MetricsHook;
}

export interface IngestServer {
  /** `http://host:port` the server listens on. */
  readonly address: string;
  close(): Promise<void>;
}

/** A request the server refuses before the collector sees it. */
class BadRequest extends Error {
  constructor(readonly status: number, message: string, readonly limit?: number) {
    super(message);
  }
}

const JSON_TYPES = ["application/json", "text/plain"];
const PROTOBUF_TYPES = ["application/x-protobuf", "application/protobuf"];

async function bodyBytes(req: FastifyRequest, body: Buffer, maxDecompressed: number): Promise<Buffer> {
  const encoding = String(req.headers["content-encoding"] ?? "identity").toLowerCase();
  if (encoding === "identity") return body;
  if (encoding !== "gzip") throw new BadRequest(415, `content-encoding ${encoding} is not supported (gzip or none)`);
  try {
    return await gunzipAsync(body, { maxOutputLength: maxDecompressed });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new BadRequest(413, `decompressed body is over the limit of ${maxDecompressed} bytes`, maxDecompressed);
    }
    throw new BadRequest(400, "body is not valid gzip");
  }
}

function parseJsonBatch(bytes: Buffer): { source?: string; events: IncomingEvent[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new BadRequest(400, `body is not JSON: ${(e as Error).message}`);
  }
  // a bare array is a batch too
  const obj = (Array.isArray(parsed) ? { events: parsed } : parsed) as { source?: unknown; events?: unknown } | null;
  if (!obj || typeof obj !== "object" || !Array.isArray(obj.events)) throw new BadRequest(400, 'body must be {"events": [{ "type", "id"?, "time"?, "data" }, …]}');
  if (obj.source !== undefined && typeof obj.source !== "string") throw new BadRequest(400, "source must be a string");
  return { ...(typeof obj.source === "string" ? { source: obj.source } : {}), events: obj.events.map(jsonEvent) };
}

/**
 * One event of a JSON batch. Its raw bytes (its own JSON text) are serialised on first use: a bad
 * event's payload, or the size check of a body larger than one event may be (collector.ts).
 */
function jsonEvent(e: unknown): IncomingEvent {
  const fields = e !== null && typeof e === "object" && !Array.isArray(e) ? (e as Record<string, unknown>) : {};
  let raw: Buffer | undefined;
  return {
    type: fields.type, id: fields.id, time: fields.time, data: fields.data,
    get raw(): Buffer {
      return (raw ??= Buffer.from(JSON.stringify(e) ?? "null"));
    },
  };
}

function parseProtobufBatch(bytes: Buffer): { source?: string; events: IncomingEvent[] } {
  try {
    const b = decodeProtobufBatch(bytes);
    // the raw payload of a binary event: its own bytes (type, id, time, data), as a bad event keeps it
    return { ...(b.source !== undefined ? { source: b.source } : {}), events: b.events.map((e) => ({ ...e, raw: Buffer.from(e.binary ?? []) })) };
  } catch (e) {
    throw new BadRequest(400, `body is not an IngestBatch protobuf: ${(e as Error).message}`);
  }
}

function send(reply: FastifyReply, a: Answer): FastifyReply {
  reply.code(a.status).headers(a.headers);
  return a.body === undefined ? reply.send() : reply.send(a.body);
}

/** fastify is an optional peer of @evt/runtime: loaded on first use (runtime/optional-peer.ts). */
type FastifyFactory = typeof import("fastify").default;

export function buildIngestApp(Fastify: FastifyFactory, options: IngestServerOptions): FastifyInstance {
  const { collector } = options;
  const limits = collector.limits;
  // no request logging: URLs and headers would carry write keys and client IPs
  const app = Fastify({ logger: false, bodyLimit: limits.maxBodyBytes, return503OnClosing: true, forceCloseConnections: "idle" });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...JSON_TYPES, ...PROTOBUF_TYPES], { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _req, reply) => {
    if (err instanceof BadRequest) return reply.code(err.status).send({ error: err.message, ...(err.limit !== undefined ? { limit: err.limit } : {}) });
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") return reply.code(413).send({ error: `body is over the limit of ${limits.maxBodyBytes} bytes`, limit: limits.maxBodyBytes });
    if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return reply.code(415).send({ error: "content-type must be application/json or application/x-protobuf" });
    if (err.statusCode && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    return reply.code(500).send({ error: `collector error: ${err.name}: ${err.message}` });
  });

  app.options("/v1/events", async (req, reply) => send(reply, collector.preflight(req.headers.origin)));

  // every answer of POST /v1/events, refusals before the collector (400, 413, 415) included
  const instrumentation = collector.instrumentation;
  const onResponse = (_req: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    instrumentation.emit("ingest.response", () => ({ status: reply.statusCode, latencyMs: reply.elapsedTime }));
    done();
  };

  app.post("/v1/events", { onResponse }, async (req, reply) => {
    const body = req.body;
    if (!Buffer.isBuffer(body)) throw new BadRequest(400, "empty body");
    const bytes = await bodyBytes(req, body, limits.maxDecompressedBytes);
    const contentType = String(req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    const protobuf = PROTOBUF_TYPES.includes(contentType);
    const parsed = protobuf ? parseProtobufBatch(bytes) : parseJsonBatch(bytes);
    const key = req.headers["x-evt-write-key"];
    const batch: IncomingBatch = {
      key: typeof key === "string" ? key : undefined,
      origin: req.headers.origin,
      source: parsed.source ?? (typeof req.headers["x-evt-source"] === "string" ? req.headers["x-evt-source"] : undefined),
      events: parsed.events,
      bodyBytes: bytes.length,
      contentType: protobuf ? "application/x-protobuf" : "application/json",
    };
    return send(reply, await collector.handle(batch));
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const r = collector.ready();
    return reply.code(r.ready ? 200 : 503).send(r.ready ? { status: "ready" } : { status: "not ready", reason: r.reason });
  });
  const metrics = options.metrics;
  if (metrics) {
    app.get("/metrics", async (_req, reply) => {
      const m = await metrics();
      return reply.type(m.contentType).send(m.body);
    });
  }
  return app;
}

/** Connects the collector to Kafka, then listens. */
export async function startIngestServer(options: IngestServerOptions): Promise<IngestServer> {
  const { default: Fastify } = await loadOptionalPeer("fastify", "the HTTP collector (evt ingest)", () => import("fastify"));
  await options.collector.connect();
  const app = buildIngestApp(Fastify, options);
  const address = await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 8080 });
  return {
    address,
    async close() {
      await app.close();
      await options.collector.close();
    },
  };
}
