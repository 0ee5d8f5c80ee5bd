/**
 * `ts/<dir>/<file>_evt.ts`: one typed contract module per .proto file with events. Per event it
 * exports the contract (`XContract = defineEvent({...})`), a typed producer factory and a typed
 * processor factory, all built on the runtime's public API (`@evt/runtime` by default) and the
 * protobuf-es `_pb` module of the same file. JSDoc on every symbol names its proto element and
 * carries its comment.
 *
 * Printed by a small line printer over the catalog model, not through a TypeScript AST: the module
 * shape is fixed, and ts-morph cost ~2 ms per module plus ~0.3-0.8 s to load TypeScript (decision
 * D14). Every symbol a statement uses is imported through `Imports`, which de-duplicates, sorts
 * and rejects a name claimed by two modules. The output is byte-identical to the former ts-morph
 * emitter (bench/generate/ts-morph-contracts.ts, checked by test/compiler/emit/printer.test.ts).
 */
import path from "node:path";
import { protoCamelCase, safeObjectProperty } from "@bufbuild/protobuf/reflect";
import { EvtError } from "../../errors.js";
import { generatedHeader } from "../header.js";
import type { Catalog, EventModel, FieldModel, MessageModel } from "../../model/catalog.js";
import { keyProblem, resolveKeyPath } from "../../model/key-path.js";

export interface ContractNames {
  readonly contract: string;
  readonly producer: string;
  readonly processor: string;
}

export interface ContractModuleInput {
  /** The .proto file, relative to the proto root. */
  readonly file: string;
  readonly package: string;
  readonly events: readonly EventModel[];
}

export interface ContractEmitOptions {
  readonly runtimeImport: string;
  readonly names: ReadonlyMap<string, ContractNames>;
  /** Effective sink table names (after the schema prefix) per event full name. */
  readonly sinkTables: ReadonlyMap<string, readonly { readonly table: string; readonly mode: string }[]>;
}

export function contractModulePath(protoFile: string): string {
  return `ts/${protoFile.replace(/\.proto$/, "_evt.ts")}`;
}

/** Contract symbol names; events whose message names clash across packages get a package prefix. */
export function contractNames(catalog: Catalog): Map<string, ContractNames> {
  const count = new Map<string, number>();
  for (const e of catalog.events) count.set(e.tsTypeName, (count.get(e.tsTypeName) ?? 0) + 1);
  const out = new Map<string, ContractNames>();
  for (const e of catalog.events) {
    const pkg = e.message.package.split(".").map((p) => (p ? p[0]!.toUpperCase() + p.slice(1) : p)).join("");
    const base = count.get(e.tsTypeName)! > 1 ? `${pkg}${e.tsTypeName}` : e.tsTypeName;
    const lower = base[0]!.toLowerCase() + base.slice(1);
    out.set(e.fullName, { contract: `${base}Contract`, producer: `${lower}Producer`, processor: `${lower}Processor` });
  }
  return out;
}

function oneofProperty(name: string): string {
  return safeObjectProperty(protoCamelCase(name));
}

/**
 * `(e) => e.courier?.courierId`: the key read through protobuf-es property names; oneof members
 * through their case. Which keys are valid is decided by model/key-path.ts, as for lint.
 */
export function keyOfExpression(event: EventModel, catalog: Catalog): string {
  const problem = keyProblem(event, catalog);
  const r = resolveKeyPath(event, catalog);
  if (problem || !r?.ok) throw new EvtError(`cannot generate: ${problem?.message ?? `${event.fullName} has no key`}`, [{ ...event.optionPosition, message: problem?.message ?? "no key" }]);
  let expr = "e";
  const along = [...r.through, r.field];
  along.forEach((field, i) => {
    const access = field.oneof
      ? `(${expr}.${oneofProperty(field.oneof)}.case === "${field.localName}" ? ${expr}.${oneofProperty(field.oneof)}.value : undefined)`
      : `${expr}.${field.localName}`;
    // Message fields are undefined when unset: keep walking with optional chaining.
    expr = i === along.length - 1 ? access : `${access}?`;
  });
  return `(e) => ${expr}`;
}

/**
 * Paths the producer must find set: required fields of the event message, and required fields of
 * a nested message only when its parent field is itself required (an absent optional parent is fine).
 */
export function requiredPaths(event: EventModel, catalog: Catalog): string[][] {
  const out: string[][] = [];
  const walk = (msg: MessageModel, prefix: string[], seen: Set<string>): void => {
    for (const f of msg.fields) {
      if (!f.required) continue;
      const p = [...prefix, f.name];
      out.push(p);
      if (f.type.kind === "message" && !f.type.wellKnown && !f.repeated && !seen.has(f.type.typeName)) {
        const inner = catalog.messages[f.type.typeName];
        if (inner) walk(inner, p, new Set([...seen, inner.fullName]));
      }
    }
  };
  walk(event.message, [], new Set([event.fullName]));
  return out;
}

/** A TypeScript literal of JSON-like data, arrays spaced like hand-written code: `["a", "b"]`. */
function lit(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(lit).join(", ")}]`;
  return JSON.stringify(v);
}

/**
 * A JSDoc block: the description (escaped so it cannot close the comment early), its `@generated`
 * tag and, for a deprecated message, `@deprecated` (editors strike the symbol through), in
 * protoc-gen-es's order.
 */
function jsDoc(description: string, element: string, deprecated = false): string[] {
  const lines = description.replace(/\*\//g, "*\\/").split("\n").map((l) => (l ? ` * ${l}` : " *"));
  return ["/**", ...lines, ` * @generated from ${element}`, ...(deprecated ? [" * @deprecated"] : []), " */"];
}

/** Contract prose: the message comment, and which fields are deprecated (protoc-gen-es marks them on the message type). */
export function contractDescription(event: EventModel): string {
  const comment = event.message.comment ? `\n\n${event.message.comment}` : "";
  const deprecatedFields = event.message.fields.filter((f) => f.deprecated).map((f) => `\`${f.name}\``);
  const fields = deprecatedFields.length ? `\n\nDeprecated fields (do not set them in new code): ${deprecatedFields.join(", ")}.` : "";
  return `Contract of the event \`${event.fullName}\`: topic \`${event.topic}\`, owner ${event.owner || "(none)"}, compatibility ${event.compatibility}.${comment}${fields}`;
}

interface ImportGroup {
  readonly from: string;
  readonly typeOnly: boolean;
  readonly names: Set<string>;
}

/**
 * The named imports of one module, in declared group order (runtime values, runtime types, the
 * `_pb` module), names de-duplicated and sorted; a name used from two modules is an error.
 */
class Imports {
  private readonly groups: ImportGroup[];
  private readonly source = new Map<string, string>();

  constructor(groups: readonly { from: string; typeOnly?: boolean }[]) {
    this.groups = groups.map((g) => ({ from: g.from, typeOnly: g.typeOnly ?? false, names: new Set<string>() }));
  }

  /** Registers `names` from `from`; returns the first (for use inline). */
  use(from: string, typeOnly: boolean, ...names: string[]): string {
    const group = this.groups.find((g) => g.from === from && g.typeOnly === typeOnly);
    if (!group) throw new Error(`contract printer: no import group for ${typeOnly ? "type " : ""}${from}`);
    for (const name of names) {
      const other = this.source.get(name);
      if (other !== undefined && other !== from) throw new EvtError(`generated module would import "${name}" from both ${other} and ${from}`);
      this.source.set(name, from);
      group.names.add(name);
    }
    return names[0]!;
  }

  lines(): string[] {
    return this.groups
      .filter((g) => g.names.size > 0)
      .map((g) => `import ${g.typeOnly ? "type " : ""}{ ${[...g.names].sort().join(", ")} } from ${JSON.stringify(g.from)};`);
  }
}

/** The three exported statements of one event, each a list of lines. */
function eventStatements(event: EventModel, catalog: Catalog, options: ContractEmitOptions, imports: Imports, pbModule: string): string[][] {
  const rt = options.runtimeImport;
  const names = options.names.get(event.fullName)!;
  const schema = imports.use(pbModule, false, event.tsSchemaName);
  const element = `message ${event.fullName}`;
  const sinks = options.sinkTables.get(event.fullName) ?? [];
  const deprecated = event.message.deprecated === true;
  const properties = [
    `type: ${lit(event.fullName)},`,
    `topic: ${lit(event.topic)},`,
    `schema: ${schema},`,
    ...(event.key ? [`keyPath: ${lit(event.key)},`, `keyOf: ${keyOfExpression(event, catalog)},`] : []),
    `requiredPaths: ${lit(requiredPaths(event, catalog))},`,
    `fingerprint: ${lit(event.fingerprint)},`,
    `owner: ${lit(event.owner)},`,
    `compatibility: ${lit(event.compatibility)},`,
    `sinks: [${sinks.map((s) => `{ table: ${lit(s.table)}, mode: ${lit(s.mode)} }`).join(", ")}],`,
    `partitions: ${event.partitions},`,
    `retentionHours: ${event.retentionHours},`,
  ];
  const contract = [
    ...jsDoc(contractDescription(event), element, deprecated),
    // Pure: a bundler drops the contracts a service never uses (protoc-gen-es marks its descriptors alike).
    `export const ${names.contract} = /*@__PURE__*/ ${imports.use(rt, false, "defineEvent")}({`,
    ...properties.map((p) => `  ${p}`),
    "});",
  ];
  const producer = [
    ...jsDoc(`Producer of \`${event.fullName}\` events on topic \`${event.topic}\`: \`send\` accepts only ${event.tsTypeName} messages and validates them before anything is sent.`, element, deprecated),
    `export function ${names.producer}(producer: ${imports.use(rt, true, "EvtProducer")}): ${imports.use(rt, true, "TypedProducer")}<typeof ${schema}> {`,
    `  return ${imports.use(rt, false, "bindProducer")}(producer, ${names.contract});`,
    "}",
  ];
  const handler = `${imports.use(rt, true, "EventHandler")}<typeof ${schema}>`;
  const processor = [
    ...jsDoc(`Processor of \`${event.fullName}\` events from topic \`${event.topic}\`: \`handler\` receives each decoded, validated ${event.tsTypeName} with its metadata; failures are retried, then sent to \`${event.topic}.dlq\`.`, element, deprecated),
    `export function ${names.processor}(handler: ${handler}, options?: ${imports.use(rt, true, "ProcessorOptions")}): ${imports.use(rt, true, "ProcessorDefinition")}<typeof ${schema}> {`,
    `  return ${imports.use(rt, false, "defineProcessor")}(${names.contract}, handler, options);`,
    "}",
  ];
  return [contract, producer, processor];
}

/** The module text: header, imports, then every statement after a blank line; LF, trailing newline. */
export function emitContractModule(input: ContractModuleInput, catalog: Catalog, options: ContractEmitOptions): string {
  const pbModule = `./${path.posix.basename(input.file).replace(/\.proto$/, "_pb.js")}`;
  const imports = new Imports([{ from: options.runtimeImport }, { from: options.runtimeImport, typeOnly: true }, { from: pbModule }]);
  const statements = input.events.flatMap((e) => eventStatements(e, catalog, options, imports, pbModule));
  const lines = [
    generatedHeader("//", `file ${input.file} (package ${input.package})`, { runtimeImport: options.runtimeImport }),
    "/* eslint-disable */",
    ...imports.lines(),
    ...statements.flatMap((s) => ["", ...s]),
  ];
  return `${lines.join("\n")}\n`;
}
