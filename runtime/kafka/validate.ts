/**
 * Contract checks on a message: right message type, every required path set, and the Kafka key.
 * Paths arrive as proto field names; they are resolved once per contract to descriptor fields
 * (cached), so checking an event is a few `isFieldSet` calls, with no string work.
 */
import { isFieldSet, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import type { EventContract } from "../contract.js";
import { EventValidationError, RuntimeConfigError } from "../errors.js";

interface Compiled {
  readonly required: readonly { readonly path: string; readonly fields: readonly DescField[] }[];
  readonly key: readonly DescField[] | null;
}

const cache = new WeakMap<EventContract, Compiled>();

function resolvePath(schema: DescMessage, path: readonly string[], contract: EventContract): DescField[] {
  const out: DescField[] = [];
  let msg: DescMessage | undefined = schema;
  for (const name of path) {
    const field: DescField | undefined = msg?.fields.find((f) => f.name === name);
    if (!field) {
      throw new RuntimeConfigError(`contract ${contract.type}: path ${path.join(".")} names no field of ${msg?.typeName ?? "a scalar"}`, {
        context: { type: contract.type },
      });
    }
    out.push(field);
    msg = field.fieldKind === "message" ? field.message : undefined;
  }
  return out;
}

function compile(contract: EventContract): Compiled {
  let c = cache.get(contract);
  if (!c) {
    c = {
      required: contract.requiredPaths.map((p) => ({ path: p.join("."), fields: resolvePath(contract.schema, p, contract) })),
      key: contract.keyPath && contract.keyPath.length > 0 ? resolvePath(contract.schema, contract.keyPath, contract) : null,
    };
    cache.set(contract, c);
  }
  return c;
}

/** Walks `fields`; true when every step is set (presence for messages/optional, non-default for implicit scalars). */
function isPathSet(message: Message, fields: readonly DescField[]): boolean {
  let current: Message = message;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (!isFieldSet(current, f)) return false;
    if (i < fields.length - 1) current = (current as unknown as Record<string, Message>)[f.localName]!;
  }
  return true;
}

/** Required paths not set on `message` (dot-joined proto names). */
export function missingRequired(contract: EventContract, message: Message): readonly string[] {
  let missing: string[] | undefined;
  for (const r of compile(contract).required) if (!isPathSet(message, r.fields)) (missing ??= []).push(r.path);
  return missing ?? NONE;
}

const NONE: readonly string[] = Object.freeze([]);

/** Throws EventValidationError unless `event` is a `contract` message with every required path set. */
export function validateEvent(contract: EventContract, event: unknown, index = 0): void {
  const typeName = (event as { $typeName?: unknown } | null)?.$typeName;
  if (typeName !== contract.schema.typeName) {
    throw new EventValidationError(
      `event #${index} is ${typeof typeName === "string" ? typeName : "not a protobuf-es message"}, expected ${contract.schema.typeName} (create it with create(${contract.schema.name}Schema, …))`,
      [],
      { type: contract.type, index },
    );
  }
  const missing = missingRequired(contract, event as Message);
  if (missing.length > 0) {
    throw new EventValidationError(`event #${index} of ${contract.type}: required field(s) not set: ${missing.join(", ")}`, missing, {
      type: contract.type,
      index,
    });
  }
}

/** The Kafka key of `event` as a string (decimal for integers), or null when the contract has no key or it is unset. */
export function keyOf(contract: EventContract, event: Message): string | null {
  let v: unknown;
  if (contract.keyOf) {
    v = contract.keyOf(event as never);
  } else {
    const path = compile(contract).key;
    if (!path) return null;
    v = event;
    for (const f of path) v = v == null ? undefined : (v as Record<string, unknown>)[f.localName];
  }
  if (v === null || v === undefined) return null;
  return typeof v === "string" ? v : String(v);
}
