/**
 * One client event checked against its contract: envelope (`type`, `id?`, `time?`, `data`),
 * public type, the key's and source's permission, size, proto3 JSON that protobuf-es `fromJson`
 * accepts with no unknown field, and the contract's required fields. A failure names its type
 * (Snowplow's failed-event model), the field path and the reason; nothing here throws.
 */
import { fromBinary, fromJson, type DescMessage, type JsonValue, type Message } from "@bufbuild/protobuf";
import { missingRequired } from "../kafka/validate.js";
import { allowsType, type WriteKey } from "./keys.js";
import type { IngestRoute } from "./routes.js";

export type FailureType = "schema_violation" | "size_violation" | "unknown_type" | "auth";

export interface Rejection {
  readonly failure: FailureType;
  readonly reason: string;
  /** Field path (proto3 JSON names, dot-joined) when one field is at fault. */
  readonly path?: string;
}

/** An event as the client sent it: JSON (`data` is proto3 JSON) or from a protobuf batch (`data` is binary). */
export interface RawEvent {
  readonly type?: unknown;
  readonly id?: unknown;
  readonly time?: unknown;
  readonly data?: unknown;
  readonly binary?: Uint8Array;
}

export interface ValidEvent {
  readonly route: IngestRoute;
  readonly message: Message;
  readonly id?: string;
  readonly clientTime?: string;
}

export interface CheckContext {
  readonly key: WriteKey;
  readonly source: string | undefined;
  readonly routes: ReadonlyMap<string, IngestRoute>;
  readonly maxEventBytes: number;
}

// ids become ce_id and a warehouse key: short, printable, no separators that break headers
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function checkEvent(raw: RawEvent, size: number, ctx: CheckContext): ValidEvent | Rejection {
  if (typeof raw.type !== "string" || raw.type === "") return { failure: "schema_violation", path: "type", reason: "type is missing or not a string" };
  const route = ctx.routes.get(raw.type);
  // the same answer for an internal contract and a made-up name: the collector does not reveal which exist
  if (!route) return { failure: "unknown_type", path: "type", reason: `${raw.type} is not an event accepted from clients` };
  if (!allowsType(ctx.key, raw.type)) return { failure: "auth", path: "type", reason: `app ${ctx.key.app} may not publish ${raw.type}` };
  if (route.sources.length > 0 && (ctx.source === undefined || !route.sources.includes(ctx.source))) {
    return { failure: "auth", path: "source", reason: `source ${ctx.source ?? "(none)"} may not publish ${raw.type} (allowed: ${route.sources.join(", ")})` };
  }
  if (size > ctx.maxEventBytes) return { failure: "size_violation", reason: `event is ${size} bytes, over the limit of ${ctx.maxEventBytes}` };
  if (raw.id !== undefined && (typeof raw.id !== "string" || !ID.test(raw.id))) {
    return { failure: "schema_violation", path: "id", reason: "id must be 1-64 characters of A-Z a-z 0-9 . _ : - (a UUIDv7 is best)" };
  }
  if (raw.time !== undefined && (typeof raw.time !== "string" || !RFC3339.test(raw.time) || Number.isNaN(Date.parse(raw.time)))) {
    return { failure: "schema_violation", path: "time", reason: "time must be an RFC 3339 timestamp" };
  }
  let message: Message;
  try {
    message = raw.binary ? fromBinary(route.contract.schema, raw.binary) : parseData(route.contract.schema, raw.data);
  } catch (e) {
    return { failure: "schema_violation", reason: (e as Error).message, ...(raw.binary ? {} : { path: failingPath(route.contract.schema, raw.data) }) };
  }
  const missing = missingRequired(route.contract, message);
  if (missing.length > 0) {
    return { failure: "schema_violation", path: missing.map((p) => jsonPath(route.contract.schema, p)).join(","), reason: `required field(s) not set: ${missing.join(", ")}` };
  }
  return { route, message, ...(raw.id !== undefined ? { id: raw.id as string } : {}), ...(raw.time !== undefined ? { clientTime: raw.time as string } : {}) };
}

export const isRejection = (r: ValidEvent | Rejection): r is Rejection => "failure" in r;

function parseData(schema: DescMessage, data: unknown): Message {
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw new Error("data must be a JSON object (the proto3 JSON of the event)");
  return fromJson(schema, data as JsonValue, { ignoreUnknownFields: false });
}

/**
 * The field at fault, found with fromJson itself (no second JSON reader): the first key whose
 * value alone fails, then the same inside it when it is a nested message.
 */
function failingPath(schema: DescMessage, data: unknown, prefix = ""): string | undefined {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return prefix || undefined;
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    try {
      fromJson(schema, { [k]: v } as JsonValue, { ignoreUnknownFields: false });
    } catch {
      const path = prefix ? `${prefix}.${k}` : k;
      const field = schema.fields.find((f) => f.jsonName === k || f.name === k);
      if (field?.fieldKind === "message" && !field.message.typeName.startsWith("google.protobuf.")) return failingPath(field.message, v, path);
      return path;
    }
  }
  return prefix || undefined;
}

/** A dotted proto-name path in proto3 JSON names (what the client wrote). */
function jsonPath(schema: DescMessage, protoPath: string): string {
  const out: string[] = [];
  let msg: DescMessage | undefined = schema;
  for (const name of protoPath.split(".")) {
    const f: DescMessage["fields"][number] | undefined = msg?.fields.find((x) => x.name === name);
    out.push(f?.jsonName ?? name);
    msg = f?.fieldKind === "message" ? f.message : undefined;
  }
  return out.join(".");
}
