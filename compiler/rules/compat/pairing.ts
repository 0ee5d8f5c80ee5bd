/**
 * Pairs the elements of two catalogs, once, for every rule: files by path, messages and enums
 * by full name, fields by number, enum values by number, events by full name, sinks by table
 * (within an event), services by full name, methods by name. A pair with one side missing is an
 * addition or a deletion; rules decide what that means.
 *
 * A message or enum whose model is the same object on both sides has no field or value pairs:
 * the catalog builder shares a model between catalogs only when everything it is built from is
 * byte-identical (compiler/model/build-catalog.ts), and field and enum-value rules judge changes of
 * the two elements they are given, so identical elements have none to report. (Check-compat's
 * after tree typically shares ~90% of its messages with the baseline; equal but separately built
 * models are still paired.)
 */
import type { Catalog, ExtensionModel, MessageModel } from "../../model/catalog.js";
import type {
  EnumPair,
  EnumValue,
  EnumValuePair,
  EventPair,
  FieldPair,
  FilePair,
  MessagePair,
  MethodPair,
  PairBySubject,
  ServicePair,
  SinkPair,
  Versions,
} from "./types.js";

export type Pairs = { readonly [S in keyof PairBySubject]: readonly PairBySubject[S][] };

/** Keys of both sides, in a stable order (sorted). */
function keysOf<K extends string | number>(a: Iterable<K>, b: Iterable<K>): K[] {
  const keys = new Set<K>([...a, ...b]);
  return [...keys].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

function byKey<T, K extends string | number>(items: readonly T[], key: (t: T) => K): Map<K, T> {
  return new Map(items.map((t) => [key(t), t]));
}

function pairRecords<T>(a: Readonly<Record<string, T>> | undefined, b: Readonly<Record<string, T>> | undefined): { name: string; before?: T; after?: T }[] {
  const before = a ?? {};
  const after = b ?? {};
  return keysOf(Object.keys(before), Object.keys(after)).map((name) => ({
    name,
    ...(before[name] !== undefined ? { before: before[name] } : {}),
    ...(after[name] !== undefined ? { after: after[name] } : {}),
  }));
}

export function pairCatalogs({ before, after }: Versions): Pairs {
  const files: FilePair[] = pairRecords(before.fileModels, after.fileModels);
  const messages: MessagePair[] = pairRecords(before.messages, after.messages);
  const enums: EnumPair[] = pairRecords(before.enums, after.enums);
  const events: EventPair[] = pairRecords(recordOf(before.events), recordOf(after.events));
  const services: ServicePair[] = pairRecords(before.services, after.services);

  const fields: FieldPair[] = [];
  for (const m of messages) {
    if (!m.before || !m.after || m.before === m.after) continue;
    const message = { name: m.name, before: m.before, after: m.after };
    const b = byKey(m.before.fields, (f) => f.number);
    const a = byKey(m.after.fields, (f) => f.number);
    for (const number of keysOf(b.keys(), a.keys())) {
      fields.push({ message, number, ...(b.has(number) ? { before: b.get(number)! } : {}), ...(a.has(number) ? { after: a.get(number)! } : {}) });
    }
  }

  fields.push(...extensionPairs(before, after));

  const enumValues: EnumValuePair[] = [];
  for (const e of enums) {
    if (!e.before || !e.after || e.before === e.after) continue;
    const en = { name: e.name, before: e.before, after: e.after };
    const b = groupByNumber(e.before.values);
    const a = groupByNumber(e.after.values);
    for (const number of keysOf(b.keys(), a.keys())) {
      enumValues.push({ enum: en, number, before: b.get(number) ?? [], after: a.get(number) ?? [] });
    }
  }

  const sinks: SinkPair[] = [];
  for (const ev of events) {
    if (!ev.before || !ev.after) continue;
    const event = { name: ev.name, before: ev.before, after: ev.after };
    const b = byKey(ev.before.sinks, (s) => s.table);
    const a = byKey(ev.after.sinks, (s) => s.table);
    for (const table of keysOf(b.keys(), a.keys())) {
      sinks.push({ event, table, ...(b.has(table) ? { before: b.get(table)! } : {}), ...(a.has(table) ? { after: a.get(table)! } : {}) });
    }
  }

  const methods: MethodPair[] = [];
  for (const s of services) {
    if (!s.before || !s.after) continue;
    const service = { name: s.name, before: s.before, after: s.after };
    const b = byKey(s.before.methods, (m) => m.name);
    const a = byKey(s.after.methods, (m) => m.name);
    for (const name of keysOf(b.keys(), a.keys())) {
      methods.push({ service, name, ...(b.has(name) ? { before: b.get(name)! } : {}), ...(a.has(name) ? { after: a.get(name)! } : {}) });
    }
  }

  return { file: files, message: messages, field: fields, enum: enums, enumValue: enumValues, event: events, sink: sinks, service: services, method: methods };
}

/**
 * Extensions present on both sides, by extendee and number (their identity on the wire), judged by
 * the field rules. A deleted extension is buf's EXTENSION_NO_DELETE (FILE/PACKAGE, not WIRE).
 */
function extensionPairs(before: Catalog, after: Catalog): FieldPair[] {
  const key = (x: ExtensionModel): string => `${x.extendee}#${x.number}`;
  const b = byKey(Object.values(before.extensions ?? {}), key);
  const a = byKey(Object.values(after.extensions ?? {}), key);
  const out: FieldPair[] = [];
  for (const k of keysOf(b.keys(), a.keys())) {
    const x = b.get(k);
    const y = a.get(k);
    if (!x || !y) continue;
    const message = { name: y.extendee, before: before.messages[x.extendee] ?? extendeeModel(x), after: after.messages[y.extendee] ?? extendeeModel(y) };
    out.push({ message, number: y.number, before: x, after: y, extension: true });
  }
  return out;
}

/** A stand-in for an extendee outside the tree (google.protobuf.FieldOptions…): a name, no fields. */
function extendeeModel(x: ExtensionModel): MessageModel {
  const name = x.extendee.slice(x.extendee.lastIndexOf(".") + 1);
  return { fullName: x.extendee, name, file: "", package: "", reservedRanges: [], reservedNames: [], fields: [], oneofs: [], comment: "", position: x.position };
}

function recordOf(events: Catalog["events"]): Record<string, Catalog["events"][number]> {
  return Object.fromEntries(events.map((e) => [e.fullName, e]));
}

function groupByNumber(values: readonly EnumValue[]): Map<number, EnumValue[]> {
  const out = new Map<number, EnumValue[]>();
  for (const v of values) {
    const list = out.get(v.number);
    if (list) list.push(v);
    else out.set(v.number, [v]);
  }
  return out;
}

/** The nearest enclosing message of `fullName` that exists in `catalog` (nested types), if any. */
export function survivingParent(catalog: Catalog, fullName: string): string | undefined {
  const parts = fullName.split(".");
  for (let i = parts.length - 1; i > 0; i--) {
    const candidate = parts.slice(0, i).join(".");
    if (catalog.messages[candidate]) return candidate;
  }
  return undefined;
}
