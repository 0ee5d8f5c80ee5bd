/**
 * Deterministic mutations of a synthetic catalog spec (bench/synthetic/catalog.ts) for the
 * check-compat benchmark: `count` mutations on distinct events, half wire-safe, half breaking.
 *   safe:     comment edited · owner changed · new field appended (a new column for sinks)
 *   breaking: field type changed across wire families · field deleted without reservation ·
 *             field renamed · field made repeated · topic renamed (contract only)
 * Returns what was done, so a benchmark can tell which findings it expects.
 */
import type { SyntheticEvent, SyntheticField, SyntheticSpec } from "./catalog.js";

export type MutationKind =
  | "comment" | "owner" | "add_field"
  | "type_change" | "delete_field" | "rename_field" | "make_repeated" | "rename_topic";

export interface Mutation {
  readonly kind: MutationKind;
  readonly breaking: boolean;
  /** Proto package + message name of the mutated event. */
  readonly event: string;
  readonly field?: string;
}

const SAFE: readonly MutationKind[] = ["comment", "owner", "add_field"];
const BREAKING: readonly MutationKind[] = ["type_change", "delete_field", "rename_field", "make_repeated", "rename_topic"];

/** mulberry32, like the catalog generator. */
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

/** A plain singular scalar field other than the key: safe to retype, delete, rename or repeat. */
function plainScalar(e: SyntheticEvent): SyntheticField | undefined {
  return e.fields.find((f) => !f.oneof && !f.label && f.name !== "event_key" && /^(u?int|s?fixed|sint)(32|64)$|^(string|bool|double|float)$/.test(f.type));
}

function retype(t: string): string {
  // Always across wire families (varint ↔ length-delimited ↔ fixed), so every tool must flag it.
  if (t === "string") return "int64";
  if (t === "double" || t === "float" || t.includes("fixed")) return "string";
  return "bytes";
}

export function mutateSpec(spec: SyntheticSpec, options: { count?: number; seed?: number } = {}): Mutation[] {
  const count = options.count ?? 50;
  const rand = prng(options.seed ?? 7);
  const events = spec.files.flatMap((f) => f.events.map((e) => ({ e, pkg: f.package })));
  const used = new Set<number>();
  const out: Mutation[] = [];
  let attempts = 0;
  while (out.length < count && attempts++ < count * 50) {
    const i = Math.floor(rand() * events.length);
    if (used.has(i)) continue;
    const { e, pkg } = events[i]!;
    const breaking = out.length % 2 === 1;
    const kinds = breaking ? BREAKING : SAFE;
    const kind = kinds[Math.floor(out.length / 2) % kinds.length]!;
    const name = `${pkg}.${e.name}`;
    const field = plainScalar(e);
    if (["type_change", "delete_field", "rename_field", "make_repeated", "comment"].includes(kind) && !field) continue;
    used.add(i);
    switch (kind) {
      case "comment":
        field!.comment = `${field!.comment} (clarified)`;
        break;
      case "owner":
        e.owner = `${e.owner}-platform`;
        break;
      case "add_field": {
        const number = Math.max(...e.fields.map((f) => f.number)) + 1;
        e.fields.push({ name: `added_${number}`, number, type: "string", comment: "Added by the benchmark." });
        out.push({ kind, breaking, event: name, field: `added_${number}` });
        continue;
      }
      case "type_change":
        field!.type = retype(field!.type);
        break;
      case "delete_field":
        e.fields.splice(e.fields.indexOf(field!), 1);
        break;
      case "rename_field":
        field!.name = `${field!.name}_renamed`;
        break;
      case "make_repeated":
        field!.label = "repeated";
        if (field!.type === "bytes") field!.type = "string";
        break;
      case "rename_topic":
        e.topic = e.topic.replace(/\.v1$/, ".v2");
        break;
    }
    out.push({ kind, breaking, event: name, ...(field && kind !== "owner" && kind !== "rename_topic" ? { field: field.name } : {}) });
  }
  if (out.length < count) throw new Error(`could only place ${out.length} of ${count} mutations`);
  return out;
}
