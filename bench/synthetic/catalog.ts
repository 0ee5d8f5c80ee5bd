/**
 * Synthetic contract catalogs for benchmarks and stress tests: N events of 8-30 fields mixing
 * every protobuf type the warehouse mapping knows (all 15 scalars, enums, Timestamp, Duration,
 * all 9 wrappers, Struct/Value/ListValue, maps, repeated scalars and messages, nested messages
 * two levels deep, oneofs, proto3 `optional`), annotated with the evt vocabulary (topics, keys,
 * owners, compatibility, APPEND/UPSERT sinks, flatten_nested, cluster_by, two-sink events, pii,
 * required, column renames and column_type overrides). Deterministic by seed.
 *
 * Two steps so that other tools can mutate a catalog before writing it:
 *   const spec = buildSyntheticSpec({ events: 1000, seed: 1 });   // plain data
 *   mutate(spec.files[3].events[0].fields)                          // e.g. check-compat tests
 *   writeSyntheticCatalog(dir, spec);                               // .proto files + options.proto
 *
 * CLI: npx tsx bench/synthetic/catalog.ts --events 1000 [--seed 1] [--per-file 10] --out DIR
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface SyntheticOptions {
  /** Number of event messages. */
  readonly events: number;
  /** PRNG seed; same seed and options → byte-identical files. */
  readonly seed?: number;
  /** Events per .proto file (default 10). */
  readonly eventsPerFile?: number;
}

export interface SyntheticField {
  name: string;
  number: number;
  /** Proto type as written (`int64`, `google.protobuf.Timestamp`, `syn.common.v1.Address`, `map<string, int64>` …). */
  type: string;
  label?: "repeated" | "optional";
  /** Name of the oneof the field belongs to (consecutive fields with the same oneof are grouped). */
  oneof?: string;
  pii?: "PERSONAL" | "SENSITIVE";
  required?: boolean;
  column?: string;
  columnType?: string;
  comment: string;
}

export interface SyntheticSink {
  table: string;
  mode: "APPEND" | "UPSERT";
  clusterBy?: string[];
  flattenNested?: boolean;
}

export interface SyntheticEvent {
  name: string;
  topic: string;
  key?: string;
  owner: string;
  compatibility: string;
  sinks: SyntheticSink[];
  fields: SyntheticField[];
  comment: string;
}

export interface SyntheticFile {
  /** Path relative to the proto root, e.g. `syn/d003/v1/events.proto`. */
  path: string;
  package: string;
  events: SyntheticEvent[];
}

export interface SyntheticSpec {
  readonly options: Required<SyntheticOptions>;
  files: SyntheticFile[];
}

/** Shared types every event file imports (nested Address → GeoPoint for flatten_nested). */
export const COMMON_PROTO_PATH = "syn/common/v1/common.proto";
const COMMON_PROTO = `// Types shared by the synthetic events.
syntax = "proto3";

package syn.common.v1;

import "evt/v1/options.proto";

// Status shared by every synthetic event.
enum Status {
  // Not set.
  STATUS_UNSPECIFIED = 0;
  // Active.
  STATUS_ACTIVE = 1;
  // Suspended.
  STATUS_SUSPENDED = 2;
  // Closed.
  STATUS_CLOSED = 3;
}

// A WGS84 coordinate.
message GeoPoint {
  // Latitude in decimal degrees.
  double latitude = 1;
  // Longitude in decimal degrees.
  double longitude = 2;
}

// A postal address with its geocoded position.
message Address {
  // Street line.
  string line1 = 1 [(evt.v1.field) = { pii: PERSONAL }];
  // City.
  string city = 2;
  // Country code.
  string country_code = 3;
  // Geocoded position.
  GeoPoint location = 4 [(evt.v1.field) = { pii: PERSONAL }];
}

// An amount of money.
message Money {
  // ISO 4217 currency code.
  string currency_code = 1;
  // Whole units.
  int64 units = 2;
  // Billionths of a unit.
  int32 nanos = 3;
}
`;

const SCALARS = [
  "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64",
  "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
] as const;
const WRAPPERS = [
  "DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value", "BoolValue", "StringValue", "BytesValue",
].map((w) => `google.protobuf.${w}`);
const OTHER_WKT = ["google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"];
const MESSAGES = ["syn.common.v1.GeoPoint", "syn.common.v1.Address", "syn.common.v1.Money"];
const MAP_KEYS = ["string", "int32", "int64", "uint32", "bool"];
const COMPAT = ["BACKWARD", "FORWARD", "FULL", "NONE", "BACKWARD_TRANSITIVE", "FORWARD_TRANSITIVE", "FULL_TRANSITIVE"];
const OWNERS = ["team-alpha", "team-beta", "team-gamma", "team-delta"];

/** mulberry32: small, fast, good enough for test data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, w: number): string => String(n).padStart(w, "0");

/** One field of kind `slot` (0..n) so that every event cycles through every type. */
function fieldOfKind(slot: number, rand: () => number, n: number, label: string): SyntheticField {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const name = `${label}_${pad(n, 2)}`;
  const base = { name, number: n, comment: `Synthetic ${label} field ${n}; it's generated.` };
  const kinds = [
    () => ({ ...base, type: pick(SCALARS) }),
    () => ({ ...base, type: pick(SCALARS), label: "optional" as const }),
    () => ({ ...base, type: pick(SCALARS.filter((s) => s !== "bytes")), label: "repeated" as const }),
    () => ({ ...base, type: "syn.common.v1.Status" }),
    () => ({ ...base, type: pick(WRAPPERS) }),
    () => ({ ...base, type: pick(OTHER_WKT) }),
    () => ({ ...base, type: pick(MESSAGES) }),
    () => ({ ...base, type: pick(MESSAGES), label: "repeated" as const }),
    () => ({ ...base, type: `map<${pick(MAP_KEYS)}, ${pick(["string", "int64", "double", "syn.common.v1.Money"])}>` }),
  ];
  return kinds[slot % kinds.length]!();
}

function buildEvent(index: number, pkgDomain: string, rand: () => number): SyntheticEvent {
  const name = `Event${pad(index, 5)}`;
  const count = 8 + Math.floor(rand() * 23); // 8-30 fields
  const fields: SyntheticField[] = [
    { name: "event_key", number: 1, type: "string", required: true, comment: "Key of the event; the Kafka key." },
    { name: "occurred_at", number: 2, type: "google.protobuf.Timestamp", required: true, comment: "When it happened, in UTC." },
  ];
  let n = 3;
  while (fields.length < count) {
    if (fields.length === 6 && count >= 10) {
      // A oneof of three members (scalar, message, wrapper) in about every event.
      const oneof = "choice";
      fields.push({ name: `choice_text`, number: n++, type: "string", oneof, comment: "Text choice." });
      fields.push({ name: `choice_point`, number: n++, type: "syn.common.v1.GeoPoint", oneof, pii: "PERSONAL", comment: "Point choice." });
      fields.push({ name: `choice_count`, number: n++, type: "uint64", oneof, comment: "Count choice." });
      continue;
    }
    const f = fieldOfKind(fields.length + index, rand, n, "f");
    n++;
    const r = rand();
    if (r < 0.1 && !f.label && (f.type === "string" || f.type === "bytes")) f.pii = r < 0.05 ? "PERSONAL" : "SENSITIVE";
    if (r > 0.95 && !f.label && !f.type.startsWith("map<")) f.column = `${f.name.toUpperCase()}_RENAMED`;
    if (r > 0.9 && r <= 0.95 && (f.type === "uint64" || f.type === "fixed64") && !f.label) f.columnType = "NUMBER(38,0)";
    if (r > 0.9 && r <= 0.95 && f.type === "string" && !f.label) f.columnType = "VARCHAR(256)";
    fields.push(f);
  }
  const mode = index % 5 === 0 ? "UPSERT" : "APPEND";
  const table = `SYN_${pkgDomain.toUpperCase()}.EVENT_${pad(index, 5)}`;
  const sinks: SyntheticSink[] = [{ table, mode, ...(index % 3 === 0 ? { flattenNested: true } : {}), ...(index % 4 === 0 ? { clusterBy: ["OCCURRED_AT"] } : {}) }];
  if (index % 7 === 0) sinks.push({ table: `${table}_HISTORY`, mode: "APPEND" });
  return {
    name,
    topic: `syn-${pkgDomain}.event_${pad(index, 5)}.v1`, // domain.name.vN, as lint requires
    key: "event_key",
    owner: OWNERS[index % OWNERS.length]!,
    compatibility: COMPAT[index % COMPAT.length]!,
    sinks: index % 11 === 5 ? [] : sinks,
    fields,
    comment: `Synthetic event number ${index}.`,
  };
}

export function buildSyntheticSpec(options: SyntheticOptions): SyntheticSpec {
  const opts = { seed: 1, eventsPerFile: 10, ...options };
  const rand = prng(opts.seed);
  const files: SyntheticFile[] = [];
  for (let i = 0; i < opts.events; i++) {
    const fileIndex = Math.floor(i / opts.eventsPerFile);
    const domain = `d${pad(fileIndex, 4)}`;
    if (i % opts.eventsPerFile === 0) files.push({ path: `syn/${domain}/v1/events.proto`, package: `syn.${domain}.v1`, events: [] });
    files[files.length - 1]!.events.push(buildEvent(i, domain, rand));
  }
  return { options: opts, files };
}

// ---------------------------------------------------------------------------------------------
// Rendering

function renderField(f: SyntheticField, indent: string): string {
  const opts: string[] = [];
  if (f.pii) opts.push(`pii: ${f.pii}`);
  if (f.required) opts.push("required: true");
  if (f.column) opts.push(`column: "${f.column}"`);
  if (f.columnType) opts.push(`column_type: "${f.columnType}"`);
  const ann = opts.length ? ` [(evt.v1.field) = { ${opts.join(" ")} }]` : "";
  const label = f.label ? `${f.label} ` : "";
  return `${indent}// ${f.comment}\n${indent}${label}${f.type} ${f.name} = ${f.number}${ann};\n`;
}

function renderSink(s: SyntheticSink): string {
  const parts = [`table: "${s.table}"`, `mode: ${s.mode}`];
  if (s.clusterBy?.length) parts.push(`cluster_by: [${s.clusterBy.map((c) => `"${c}"`).join(", ")}]`);
  if (s.flattenNested) parts.push("flatten_nested: true");
  return `    sink: { ${parts.join(" ")} }\n`;
}

function renderEvent(e: SyntheticEvent): string {
  let out = `// ${e.comment}\nmessage ${e.name} {\n  option (evt.v1.event) = {\n`;
  out += `    topic: "${e.topic}"\n`;
  if (e.key) out += `    key: "${e.key}"\n`;
  out += `    owner: "${e.owner}"\n    compatibility: ${e.compatibility}\n`;
  for (const s of e.sinks) out += renderSink(s);
  out += "  };\n\n";
  for (let i = 0; i < e.fields.length; ) {
    const f = e.fields[i]!;
    if (!f.oneof) {
      out += renderField(f, "  ");
      i++;
      continue;
    }
    out += `  // One of several choices.\n  oneof ${f.oneof} {\n`;
    while (i < e.fields.length && e.fields[i]!.oneof === f.oneof) out += renderField(e.fields[i++]!, "    ");
    out += "  }\n";
  }
  return out + "}\n";
}

const IMPORTS = [
  "evt/v1/options.proto",
  COMMON_PROTO_PATH,
  "google/protobuf/duration.proto",
  "google/protobuf/struct.proto",
  "google/protobuf/timestamp.proto",
  "google/protobuf/wrappers.proto",
];

export function renderSyntheticFile(file: SyntheticFile): string {
  const imports = [...IMPORTS].sort().map((i) => `import "${i}";`).join("\n");
  return `// Synthetic events (generated by bench/synthetic/catalog.ts).\nsyntax = "proto3";\n\npackage ${file.package};\n\n${imports}\n\n${file.events.map(renderEvent).join("\n")}`;
}

/** Every file of the catalog (paths relative to the proto root), including the evt vocabulary. */
export function renderSyntheticCatalog(spec: SyntheticSpec): { path: string; content: string }[] {
  const vocabulary = readFileSync(fileURLToPath(new URL("../../proto/evt/v1/options.proto", import.meta.url)), "utf8");
  return [
    { path: "evt/v1/options.proto", content: vocabulary },
    { path: COMMON_PROTO_PATH, content: COMMON_PROTO },
    ...spec.files.map((f) => ({ path: f.path, content: renderSyntheticFile(f) })),
  ];
}

/** Writes the catalog under `dir` (emptied first) so that `buf build dir` compiles it. */
export function writeSyntheticCatalog(dir: string, spec: SyntheticSpec): void {
  rmSync(dir, { recursive: true, force: true });
  for (const f of renderSyntheticCatalog(spec)) {
    const p = path.join(dir, f.path);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, f.content);
  }
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const out = argValue(argv, "--out");
  if (!out) {
    process.stderr.write("usage: catalog.ts --events N [--seed S] [--per-file K] --out DIR\n");
    process.exit(2);
  }
  const spec = buildSyntheticSpec({
    events: Number(argValue(argv, "--events") ?? 1000),
    seed: Number(argValue(argv, "--seed") ?? 1),
    eventsPerFile: Number(argValue(argv, "--per-file") ?? 10),
  });
  writeSyntheticCatalog(out, spec);
  process.stdout.write(`wrote ${spec.files.length} files with ${spec.options.events} events to ${out}\n`);
}
