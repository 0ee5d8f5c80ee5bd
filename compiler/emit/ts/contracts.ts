/**
 * `ts/<dir>/<file>_evt.ts`: one typed contract module per .proto file with events, printed with
 * ts-morph from structures (no string templates for code). Per event it exports the contract
 * (`XContract = defineEvent({...})`), a typed producer factory and a typed processor factory, all
 * built on the pinned runtime interface (`evt/runtime` by default) and the protobuf-es `_pb`
 * module of the same file. JSDoc on every symbol names its proto element and carries its comment.
 */
import path from "node:path";
import { protoCamelCase, safeObjectProperty } from "@bufbuild/protobuf/reflect";
import {
  IndentationText,
  NewLineKind,
  Project,
  QuoteKind,
  StructureKind,
  type FunctionDeclarationStructure,
  type ImportDeclarationStructure,
  type JSDocStructure,
  type OptionalKind,
  type StatementStructures,
  type WriterFunction,
} from "ts-morph";
import { EvtError } from "../../errors.js";
import type { Catalog, EventModel, FieldModel, MessageModel } from "../../model/catalog.js";

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

/** JSDoc text must not close the comment early. */
function docText(s: string): string {
  return s.replace(/\*\//g, "*\\/");
}

function doc(description: string, element: string): OptionalKind<JSDocStructure> {
  return { description: docText(description), tags: [{ tagName: "generated", text: `from ${element}` }] };
}

function oneofProperty(name: string): string {
  return safeObjectProperty(protoCamelCase(name));
}

/**
 * `(e) => e.courier?.courierId`: the key read through protobuf-es property names; oneof members
 * through their case. The key must end on a scalar (not bytes), an enum, or a scalar wrapper.
 */
export function keyOfExpression(event: EventModel, catalog: Catalog): string {
  let expr = "e";
  let msg: MessageModel | undefined = event.message;
  const key = event.key ?? [];
  key.forEach((name, i) => {
    const field: FieldModel | undefined = msg?.fields.find((f) => f.name === name);
    if (!field) throw new EvtError(`${event.fullName}: key "${key.join(".")}" names no field "${name}"`, [{ ...event.optionPosition, message: `key field "${name}" not found` }]);
    const last = i === key.length - 1;
    if (field.repeated || field.type.kind === "map") {
      throw new EvtError(`${event.fullName}: key "${key.join(".")}" goes through repeated field "${name}"`, [{ ...field.position, message: "a key cannot be repeated or a map" }]);
    }
    const access = field.oneof
      ? `(${expr}.${oneofProperty(field.oneof)}.case === "${field.localName}" ? ${expr}.${oneofProperty(field.oneof)}.value : undefined)`
      : `${expr}.${field.localName}`;
    if (last) {
      const t = field.type;
      const ok = (t.kind === "scalar" && t.scalar !== "bytes") || t.kind === "enum" || (t.kind === "message" && t.wellKnown?.endsWith("_value") && t.wellKnown !== "bytes_value");
      if (!ok) throw new EvtError(`${event.fullName}: key "${key.join(".")}" is not a scalar field`, [{ ...field.position, message: "the key must be a scalar (not bytes), an enum or a scalar wrapper" }]);
      expr = access;
      return;
    }
    if (field.type.kind !== "message" || field.type.wellKnown) {
      throw new EvtError(`${event.fullName}: key "${key.join(".")}" goes through non-message field "${name}"`, [{ ...field.position, message: "only the last key segment may be a scalar" }]);
    }
    // Message fields are undefined when unset: keep walking with optional chaining.
    expr = `${access}?`;
    msg = catalog.messages[field.type.typeName];
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

function contractStatements(event: EventModel, catalog: Catalog, options: ContractEmitOptions): (StatementStructures | WriterFunction)[] {
  const names = options.names.get(event.fullName)!;
  const schema = event.tsSchemaName;
  const comment = event.message.comment ? `\n\n${event.message.comment}` : "";
  const element = `message ${event.fullName}`;
  const sinks = options.sinkTables.get(event.fullName) ?? [];
  const contractDoc = doc(`Contract of the event \`${event.fullName}\`: topic \`${event.topic}\`, owner ${event.owner || "(none)"}, compatibility ${event.compatibility}.${comment}`, element);
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
  // Written through the file's writer: ts-morph re-indents multi-line variable initializers.
  const contract: WriterFunction = (w) => {
    w.blankLineIfLastNot().writeLine("/**");
    for (const line of `${contractDoc.description}`.split("\n")) w.writeLine(line ? ` * ${line}` : " *");
    w.writeLine(` * @generated from ${element}`).writeLine(" */");
    w.write(`export const ${names.contract} = defineEvent(`).inlineBlock(() => properties.forEach((p) => w.writeLine(p))).write(");");
  };
  const producer: FunctionDeclarationStructure = {
    kind: StructureKind.Function,
    isExported: true,
    name: names.producer,
    docs: [doc(`Producer of \`${event.fullName}\` events on topic \`${event.topic}\`: \`send\` accepts only ${event.tsTypeName} messages and validates them before anything is sent.`, element)],
    parameters: [{ name: "producer", type: "EvtProducer" }],
    returnType: `TypedProducer<typeof ${schema}>`,
    statements: [`return bindProducer(producer, ${names.contract});`],
  };
  const processor: FunctionDeclarationStructure = {
    kind: StructureKind.Function,
    isExported: true,
    name: names.processor,
    docs: [doc(`Processor of \`${event.fullName}\` events from topic \`${event.topic}\`: \`handler\` receives each decoded, validated ${event.tsTypeName} with its metadata; failures are retried, then sent to \`${event.topic}.dlq\`.`, element)],
    parameters: [
      { name: "handler", type: `EventHandler<typeof ${schema}>` },
      { name: "options", type: "ProcessorOptions", hasQuestionToken: true },
    ],
    returnType: `ProcessorDefinition<typeof ${schema}>`,
    statements: [`return defineProcessor(${names.contract}, handler, options);`],
  };
  return [contract, producer, processor];
}

function moduleStatements(input: ContractModuleInput, catalog: Catalog, options: ContractEmitOptions): (string | WriterFunction | StatementStructures)[] {
  const pbModule = `./${path.posix.basename(input.file).replace(/\.proto$/, "_pb.js")}`;
  const imports: ImportDeclarationStructure[] = [
    { kind: StructureKind.ImportDeclaration, moduleSpecifier: options.runtimeImport, namedImports: ["bindProducer", "defineEvent", "defineProcessor"] },
    {
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      moduleSpecifier: options.runtimeImport,
      namedImports: ["EventHandler", "EvtProducer", "ProcessorDefinition", "ProcessorOptions", "TypedProducer"],
    },
    { kind: StructureKind.ImportDeclaration, moduleSpecifier: pbModule, namedImports: [...new Set(input.events.map((e) => e.tsSchemaName))].sort() },
  ];
  const header = [
    `// @generated by evt generate with runtimeImport ${lit(options.runtimeImport)}. Do not edit: change the .proto and rerun evt generate.`,
    `// @generated from file ${input.file} (package ${input.package})`,
    "/* eslint-disable */",
  ].join("\n");
  return [header, ...imports, ...input.events.flatMap((e) => contractStatements(e, catalog, options))];
}

/** A reusable in-memory printer (creating a ts-morph Project is the expensive part). */
export function createPrinter(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    compilerOptions: {},
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, newLineKind: NewLineKind.LineFeed, quoteKind: QuoteKind.Double },
  });
}

export function emitContractModule(project: Project, input: ContractModuleInput, catalog: Catalog, options: ContractEmitOptions): string {
  const file = project.createSourceFile(`/${contractModulePath(input.file)}`, { statements: moduleStatements(input, catalog, options) }, { overwrite: true });
  const text = file.getFullText();
  project.removeSourceFile(file);
  return text.endsWith("\n") ? text : `${text}\n`;
}
