/**
 * `web/`: the typed tracker for the events marked `ingest { public: true }`. `web/tracker.ts` is
 * the shared core (tracker-core.ts); `web/events.ts` declares each public event's proto3 JSON
 * shape (what the collector's `fromJson` accepts; contract-required fields are required here
 * too) and `createTracker`, one typed method per public event; `web/index.ts` re-exports both.
 */
import type { Catalog, EventModel, FieldModel, FieldType, MessageModel, ScalarType } from "../../model/catalog.js";
import { generatedHeader } from "../header.js";
import { TRACKER_CORE_SOURCE } from "./tracker-core.js";

export const WEB_TRACKER_PATH = "web/tracker.ts";
export const WEB_EVENTS_PATH = "web/events.ts";
export const WEB_INDEX_PATH = "web/index.ts";

const NUMBER: ReadonlySet<ScalarType> = new Set(["double", "float", "int32", "uint32", "sint32", "fixed32", "sfixed32"]);
const WRAPPED: Record<string, string> = {
  double_value: "number", float_value: "number", int32_value: "number", uint32_value: "number",
  int64_value: "string | number", uint64_value: "string | number", bool_value: "boolean", string_value: "string", bytes_value: "string",
};

const pascal = (s: string): string => s.split(/[._]/).filter(Boolean).map((p) => p[0]!.toUpperCase() + p.slice(1)).join("");
const lowerFirst = (s: string): string => s[0]!.toLowerCase() + s.slice(1);
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function scalarJson(s: ScalarType): string {
  if (NUMBER.has(s)) return "number";
  if (s === "bool") return "boolean";
  // 64-bit integers are strings in proto3 JSON (numbers are accepted too); bytes are base64
  return s === "string" || s === "bytes" ? "string" : "string | number";
}

/** Names the JSON interfaces: the short name, package-qualified when two messages share it. */
class JsonNames {
  private readonly names = new Map<string, string>();
  constructor(typeNames: readonly string[], catalog: Catalog) {
    const count = new Map<string, number>();
    for (const t of typeNames) count.set(catalog.messages[t]!.name, (count.get(catalog.messages[t]!.name) ?? 0) + 1);
    for (const t of typeNames) {
      const m = catalog.messages[t]!;
      this.names.set(t, `${count.get(m.name)! > 1 ? pascal(t) : m.name}Json`);
    }
  }
  of(typeName: string): string {
    return this.names.get(typeName)!;
  }
}

/** Non-well-known messages reachable from the public events, sorted by full name. */
function reachableMessages(events: readonly EventModel[], catalog: Catalog): string[] {
  const seen = new Set<string>();
  const visit = (t: string): void => {
    if (seen.has(t) || !catalog.messages[t]) return;
    seen.add(t);
    for (const f of catalog.messages[t]!.fields) {
      const inner = f.type.kind === "map" ? f.type.value : f.type;
      if (inner.kind === "message" && !inner.wellKnown) visit(inner.typeName);
    }
  };
  events.forEach((e) => visit(e.fullName));
  return [...seen].sort(byName);
}

function typeJson(t: FieldType, names: JsonNames, catalog: Catalog): string {
  switch (t.kind) {
    case "scalar":
      return scalarJson(t.scalar);
    case "enum": {
      const values = catalog.enums[t.typeName]?.values ?? [];
      return values.length > 0 ? values.map((v) => JSON.stringify(v.name)).join(" | ") : "string";
    }
    case "map":
      return `{ [key: string]: ${typeJson(t.value, names, catalog)} }`;
    case "message":
      if (!t.wellKnown) return names.of(t.typeName);
      if (t.wellKnown === "timestamp") return "string";
      if (t.wellKnown === "duration") return "string";
      if (t.wellKnown === "struct") return "{ [key: string]: JsonValue }";
      if (t.wellKnown === "value") return "JsonValue";
      if (t.wellKnown === "list_value") return "JsonValue[]";
      return `${WRAPPED[t.wellKnown]} | null`;
  }
}

function fieldDoc(f: FieldModel, t: FieldType): string {
  const notes = [
    f.comment,
    t.kind === "message" && t.wellKnown === "timestamp" ? "RFC 3339 in UTC (Z) or with an offset, as Date.toISOString() writes it." : "",
    t.kind === "message" && t.wellKnown === "duration" ? 'Seconds with an "s" suffix, e.g. "1.5s".' : "",
    f.pii !== "none" ? `PII: ${f.pii}.` : "",
  ].filter(Boolean);
  return notes.length ? `  /** ${notes.join(" ").replace(/\*\//g, "*\\/")} */\n` : "";
}

function messageInterface(m: MessageModel, names: JsonNames, catalog: Catalog): string {
  const fields = m.fields.map((f) => {
    const inner = typeJson(f.type, names, catalog);
    const type = f.repeated ? `(${inner})[]` : inner;
    return `${fieldDoc(f, f.type)}  ${f.required ? f.jsonName : `${f.jsonName}?`}: ${type};\n`;
  });
  return `/** proto3 JSON of ${m.fullName}${m.comment ? `: ${m.comment.replace(/\*\//g, "*\\/")}` : ""} */\nexport interface ${names.of(m.fullName)} {\n${fields.join("")}}\n`;
}

/** Public events with their tracker method names (package-qualified when two share a name). */
function methods(events: readonly EventModel[]): { event: EventModel; method: string }[] {
  const count = new Map<string, number>();
  for (const e of events) count.set(e.message.name, (count.get(e.message.name) ?? 0) + 1);
  return events.map((e) => ({ event: e, method: lowerFirst(count.get(e.message.name)! > 1 ? pascal(e.fullName) : e.message.name) }));
}

export function publicEvents(catalog: Catalog): EventModel[] {
  return catalog.events.filter((e) => e.ingest?.public);
}

export function emitWebEvents(catalog: Catalog): string {
  const events = publicEvents(catalog);
  const typeNames = reachableMessages(events, catalog);
  const names = new JsonNames(typeNames, catalog);
  const ms = methods(events);
  const lines = [
    generatedHeader("//", "the contracts marked ingest public"),
    "/* eslint-disable */",
    'import { Tracker, type TrackerOptions, type TrackOptions, type TrackerStats } from "./tracker.js";',
    "",
    "/** A JSON value (google.protobuf.Value). */",
    "export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };",
    "",
    ...typeNames.map((t) => messageInterface(catalog.messages[t]!, names, catalog)),
    "/** Event types the collector accepts from clients, by tracker method. */",
    `export const PUBLIC_EVENT_TYPES = {${ms.map((m) => `\n  ${m.method}: ${JSON.stringify(m.event.fullName)},`).join("")}\n} as const;`,
    "",
    "/** One typed method per public event; each returns the event id (its ce_id downstream). */",
    "export interface EvtTracker {",
    ...ms.map((m) => `  /** ${m.event.fullName} (topic ${m.event.topic}${m.event.ingest!.sources.length ? `; sources ${m.event.ingest!.sources.join(", ")}` : ""}). */\n  ${m.method}(data: ${names.of(m.event.fullName)}, options?: TrackOptions): string;`),
    "  /** Sends what is queued now (also done on a timer, on page hide and when back online). */",
    "  flush(): Promise<void>;",
    "  /** Resolves when every tracked event is in persistent storage. */",
    "  persisted(): Promise<void>;",
    "  stats(): Promise<TrackerStats>;",
    "  close(): void;",
    "}",
    "",
    "export function createTracker(options: TrackerOptions): EvtTracker {",
    "  const t = new Tracker(options);",
    "  return {",
    ...ms.map((m) => `    ${m.method}: (data, o) => t.track(PUBLIC_EVENT_TYPES.${m.method}, data, o),`),
    "    flush: () => t.flush(),",
    "    persisted: () => t.persisted(),",
    "    stats: () => t.stats(),",
    "    close: () => t.close(),",
    "  };",
    "}",
    "",
  ];
  return lines.join("\n");
}

export function emitWebTracker(): string {
  return `${generatedHeader("//", "evt's tracker core")}\n/* eslint-disable */\n${TRACKER_CORE_SOURCE}`;
}

export function emitWebIndex(): string {
  return `${generatedHeader("//", "the contracts marked ingest public")}\nexport * from "./events.js";\nexport * from "./tracker.js";\n`;
}
