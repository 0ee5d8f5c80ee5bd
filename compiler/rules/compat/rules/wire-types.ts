/** Wire / JSON rules over messages, enums, enum values, files and RPCs. */
import { deletionPosition, formatRange, inRanges, rangeCovered, shortName, tokenAt } from "../describe.js";
import { structuralDifference } from "../structure.js";
import { defineRule, type RuleContext, type Violation } from "../types.js";
import type { MessageModel } from "../../../model/catalog.js";

export const MESSAGE_NO_DELETE = defineRule({
  id: "MESSAGE_NO_DELETE",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that no message of the tree is deleted (evt: readers and writers elsewhere may still use it; buf has this in FILE/PACKAGE).",
  subject: "message",
  check(p, ctx): Violation[] {
    if (!p.before || p.after || movedTo(p.name, ctx) !== undefined) return [];
    return [{
      message: `Previously present message "${p.name}" was deleted`,
      at: deletionPosition(ctx.after, p.name, p.before.file, p.before.position),
      element: p.name,
    }];
  },
});

/**
 * The message of the after tree that `name` moved to (another package or file, same short name and
 * the same structure in binary and JSON), if any: neither format carries message names, so such a
 * move is no deletion for readers or writers of the payload.
 */
function movedTo(name: string, ctx: RuleContext): string | undefined {
  const short = shortName(name);
  return Object.values(ctx.after.messages).find(
    (m) => m.name === short && structuralDifference("wire", name, ctx.before, m.fullName, ctx.after) === undefined &&
      structuralDifference("json", name, ctx.before, m.fullName, ctx.after) === undefined,
  )?.fullName;
}

export const MESSAGE_SAME_REQUIRED_FIELDS = defineRule({
  id: "MESSAGE_SAME_REQUIRED_FIELDS",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that messages have no added or deleted required (proto2) fields.",
  subject: "message",
  check(p): Violation[] {
    if (!p.before || !p.after) return [];
    const out: Violation[] = [];
    const required = (fs: typeof p.after.fields): Set<number> => new Set(fs.filter((f) => f.cardinality === "required").map((f) => f.number));
    const b = required(p.before.fields);
    const a = required(p.after.fields);
    for (const f of p.after.fields) {
      if (a.has(f.number) && !b.has(f.number)) {
        out.push({
          message: `Message "${shortName(p.name)}" had required field "${f.number}" added`,
          at: f.position,
          element: `${p.name}.${f.name}`,
          directions: { backward: "older data without the field fails to parse" },
        });
      }
    }
    for (const f of p.before.fields) {
      if (b.has(f.number) && !a.has(f.number)) {
        out.push({
          message: `Message "${shortName(p.name)}" had required field "${f.number}" deleted`,
          at: p.after.position,
          element: `${p.name}.${f.name}`,
          directions: { forward: "newer data without the field fails to parse" },
        });
      }
    }
    return out;
  },
});

export const RESERVED_MESSAGE_NO_DELETE = defineRule({
  id: "RESERVED_MESSAGE_NO_DELETE",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that reserved ranges and names are not deleted from a message.",
  subject: "message",
  check(p): Violation[] {
    return p.before && p.after ? reservedDeletions("message", p.before, p.after, p.name) : [];
  },
});

export const MESSAGE_SAME_JSON_FORMAT = defineRule({
  id: "MESSAGE_SAME_JSON_FORMAT",
  layer: "wire",
  category: "WIRE_JSON",
  doc: "Checks that a message keeps JSON format support (features.json_format ALLOW).",
  subject: "message",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.jsonFormat !== "ALLOW" || p.after.jsonFormat === "ALLOW" || p.after.jsonFormat === undefined) return [];
    return [{ message: `Message "${p.after.name}" JSON format support changed from ALLOW to ${p.after.jsonFormat}`, at: tokenAt(p.after, "jsonFormat"), element: p.name }];
  },
});

export const ENUM_NO_DELETE = defineRule({
  id: "ENUM_NO_DELETE",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that no enum of the tree is deleted (evt; buf has this in FILE/PACKAGE).",
  subject: "enum",
  check(p, ctx): Violation[] {
    if (!p.before || p.after) return [];
    return [{
      message: `Previously present enum "${p.name}" was deleted`,
      at: deletionPosition(ctx.after, p.name, p.before.file, p.before.position),
      element: p.name,
    }];
  },
});

export const RESERVED_ENUM_NO_DELETE = defineRule({
  id: "RESERVED_ENUM_NO_DELETE",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that reserved ranges and names are not deleted from an enum.",
  subject: "enum",
  check(p): Violation[] {
    return p.before && p.after ? reservedDeletions("enum", p.before, p.after, p.name) : [];
  },
});

export const ENUM_SAME_JSON_FORMAT = defineRule({
  id: "ENUM_SAME_JSON_FORMAT",
  layer: "wire",
  category: "WIRE_JSON",
  doc: "Checks that an enum keeps JSON format support (features.json_format ALLOW).",
  subject: "enum",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.jsonFormat !== "ALLOW" || p.after.jsonFormat === "ALLOW" || p.after.jsonFormat === undefined) return [];
    return [{ message: `Enum "${p.after.name}" JSON format support changed from ALLOW to ${p.after.jsonFormat}`, at: tokenAt(p.after, "jsonFormat"), element: p.name }];
  },
});

const names = (vs: readonly { name: string }[]): string => vs.map((v) => `"${v.name}"`).join(", ");

export const ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED = defineRule({
  id: "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that an enum value is not deleted unless its number is reserved.",
  subject: "enumValue",
  check(p): Violation[] {
    if (p.before.length === 0 || p.after.length > 0 || inRanges(p.number, p.enum.after.reservedRanges)) return [];
    return [{
      message: `Previously present enum value "${p.number}" on enum "${p.enum.after.name}" was deleted without reserving the number "${p.number}"`,
      at: p.enum.after.position,
      element: `${p.enum.name}.${p.before[0]!.name}`,
    }];
  },
});

export const ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED = defineRule({
  id: "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
  layer: "wire",
  category: "WIRE_JSON",
  doc: "Checks that an enum value is not deleted unless its name is reserved (JSON carries enum names).",
  subject: "enumValue",
  check(p): Violation[] {
    if (p.before.length === 0 || p.after.length > 0) return [];
    if (p.before.every((v) => p.enum.after.reservedNames.includes(v.name))) return [];
    return [{
      message: `Previously present enum value "${p.number}" on enum "${p.enum.after.name}" was deleted without reserving the name${p.before.length > 1 ? "s" : ""} ${names(p.before)}`,
      at: p.enum.after.position,
      element: `${p.enum.name}.${p.before[0]!.name}`,
    }];
  },
});

export const ENUM_VALUE_SAME_NAME = defineRule({
  id: "ENUM_VALUE_SAME_NAME",
  layer: "wire",
  category: "WIRE_JSON",
  doc: "Checks that every name an enum value number had is kept (JSON readers accept every alias; adding an alias is no rename).",
  subject: "enumValue",
  check(p): Violation[] {
    if (p.before.length === 0 || p.after.length === 0) return [];
    if (p.before.every((b) => p.after.some((v) => v.name === b.name))) return [];
    const plural = p.before.length > 1 && p.after.length > 1 ? "s" : "";
    const message = `Enum value "${p.number}" on enum "${p.enum.after.name}" changed name${plural} from ${names(p.before)} to ${names(p.after)}`;
    // Like buf: one finding per current name of the number, at its number.
    return p.after.map((v) => ({ message, at: tokenAt(v, "number"), element: `${p.enum.name}.${v.name}` }));
  },
});

export const FILE_SAME_PACKAGE = defineRule({
  id: "FILE_SAME_PACKAGE",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that a file keeps its package (a package move renames every type in it).",
  subject: "file",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.package === p.after.package) return [];
    return [{ message: `File package changed from "${p.before.package}" to "${p.after.package}"`, at: p.after.packagePosition, element: p.name }];
  },
});

const rpc = (method: string, service: string): string => `RPC "${method}" on service "${shortName(service)}"`;

export const RPC_SAME_REQUEST_TYPE = defineRule({
  id: "RPC_SAME_REQUEST_TYPE",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that RPCs keep their request type.",
  subject: "method",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.input === p.after.input) return [];
    return [{ message: `${rpc(p.name, p.service.name)} changed request type from "${p.before.input}" to "${p.after.input}"`, at: tokenAt(p.after, "input"), element: `${p.service.name}.${p.name}` }];
  },
});

export const RPC_SAME_RESPONSE_TYPE = defineRule({
  id: "RPC_SAME_RESPONSE_TYPE",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that RPCs keep their response type.",
  subject: "method",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.output === p.after.output) return [];
    return [{ message: `${rpc(p.name, p.service.name)} changed response type from "${p.before.output}" to "${p.after.output}"`, at: tokenAt(p.after, "output"), element: `${p.service.name}.${p.name}` }];
  },
});

const streaming = (b: boolean): string => (b ? "streaming" : "unary");

export const RPC_SAME_CLIENT_STREAMING = defineRule({
  id: "RPC_SAME_CLIENT_STREAMING",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that RPCs keep their client streaming value.",
  subject: "method",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.clientStreaming === p.after.clientStreaming) return [];
    return [{ message: `${rpc(p.name, p.service.name)} changed from client ${streaming(p.before.clientStreaming)} to client ${streaming(p.after.clientStreaming)}`, at: p.after.position, element: `${p.service.name}.${p.name}` }];
  },
});

export const RPC_SAME_SERVER_STREAMING = defineRule({
  id: "RPC_SAME_SERVER_STREAMING",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that RPCs keep their server streaming value.",
  subject: "method",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.serverStreaming === p.after.serverStreaming) return [];
    return [{ message: `${rpc(p.name, p.service.name)} changed from server ${streaming(p.before.serverStreaming)} to server ${streaming(p.after.serverStreaming)}`, at: p.after.position, element: `${p.service.name}.${p.name}` }];
  },
});

export const RPC_SAME_IDEMPOTENCY_LEVEL = defineRule({
  id: "RPC_SAME_IDEMPOTENCY_LEVEL",
  layer: "wire",
  category: "WIRE",
  doc: "Checks that RPCs keep their idempotency_level option.",
  subject: "method",
  check(p): Violation[] {
    if (!p.before || !p.after || p.before.idempotency === p.after.idempotency) return [];
    return [{ message: `${rpc(p.name, p.service.name)} changed option "idempotency_level" from "${p.before.idempotency}" to "${p.after.idempotency}"`, at: tokenAt(p.after, "idempotency"), element: `${p.service.name}.${p.name}` }];
  },
});


export const WIRE_TYPE_RULES = [
  ENUM_NO_DELETE,
  ENUM_SAME_JSON_FORMAT,
  ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED,
  ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED,
  ENUM_VALUE_SAME_NAME,
  FILE_SAME_PACKAGE,
  MESSAGE_NO_DELETE,
  MESSAGE_SAME_JSON_FORMAT,
  MESSAGE_SAME_REQUIRED_FIELDS,
  RESERVED_ENUM_NO_DELETE,
  RESERVED_MESSAGE_NO_DELETE,
  RPC_SAME_CLIENT_STREAMING,
  RPC_SAME_IDEMPOTENCY_LEVEL,
  RPC_SAME_REQUEST_TYPE,
  RPC_SAME_RESPONSE_TYPE,
  RPC_SAME_SERVER_STREAMING,
] as const;

/** Reserved ranges and names of `before` that `after` no longer reserves (messages and enums alike). */
function reservedDeletions(kind: "message" | "enum", before: Reserving, after: Reserving & { readonly name: string; readonly position: Violation["at"] }, element: string): Violation[] {
  const ranges = before.reservedRanges
    .filter((r) => !rangeCovered(r, after.reservedRanges))
    .map((r) => `Previously present reserved range "${formatRange(r)}" on ${kind} "${after.name}" was deleted`);
  const names = before.reservedNames
    .filter((n) => !after.reservedNames.includes(n))
    .map((n) => `Previously present reserved name "${n}" on ${kind} "${after.name}" was deleted`);
  return [...ranges, ...names].map((message) => ({ message, at: after.position, element }));
}

type Reserving = Pick<MessageModel, "reservedRanges" | "reservedNames">;
