/**
 * The ts-morph contract-module emitter evt used until decision D14 (docs/decisions.md), kept as
 * the measured alternative and as the byte-identity oracle for the string printer in
 * compiler/emit/ts/contracts.ts: same statements, printed from ts-morph structures.
 * Only bench/ and the printer-equivalence test import it (never the CLI).
 */
import path from "node:path";
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
import type { Catalog, EventModel } from "../../compiler/model/catalog.js";
import { generatedHeader } from "../../compiler/emit/header.js";
import { contractDescription, contractModulePath, keyOfExpression, requiredPaths, type ContractEmitOptions, type ContractModuleInput } from "../../compiler/emit/ts/contracts.js";

function docText(s: string): string {
  return s.replace(/\*\//g, "*\\/");
}

function doc(description: string, element: string, deprecated: boolean): OptionalKind<JSDocStructure> {
  return { description: docText(description), tags: [{ tagName: "generated", text: `from ${element}` }, ...(deprecated ? [{ tagName: "deprecated" }] : [])] };
}

function lit(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(lit).join(", ")}]`;
  return JSON.stringify(v);
}

function contractStatements(event: EventModel, catalog: Catalog, options: ContractEmitOptions): (StatementStructures | WriterFunction)[] {
  const names = options.names.get(event.fullName)!;
  const schema = event.tsSchemaName;
  const deprecated = event.message.deprecated === true;
  const element = `message ${event.fullName}`;
  const sinks = options.sinkTables.get(event.fullName) ?? [];
  const contractDoc = doc(contractDescription(event), element, deprecated);
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
  const contract: WriterFunction = (w) => {
    w.blankLineIfLastNot().writeLine("/**");
    for (const line of `${contractDoc.description}`.split("\n")) w.writeLine(line ? ` * ${line}` : " *");
    w.writeLine(` * @generated from ${element}`);
    if (deprecated) w.writeLine(" * @deprecated");
    w.writeLine(" */");
    w.write(`export const ${names.contract} = /*@__PURE__*/ defineEvent(`).inlineBlock(() => properties.forEach((p) => w.writeLine(p))).write(");");
  };
  const producer: FunctionDeclarationStructure = {
    kind: StructureKind.Function,
    isExported: true,
    name: names.producer,
    docs: [doc(`Producer of \`${event.fullName}\` events on topic \`${event.topic}\`: \`send\` accepts only ${event.tsTypeName} messages and validates them before anything is sent.`, element, deprecated)],
    parameters: [{ name: "producer", type: "EvtProducer" }],
    returnType: `TypedProducer<typeof ${schema}>`,
    statements: [`return bindProducer(producer, ${names.contract});`],
  };
  const processor: FunctionDeclarationStructure = {
    kind: StructureKind.Function,
    isExported: true,
    name: names.processor,
    docs: [doc(`Processor of \`${event.fullName}\` events from topic \`${event.topic}\`: \`handler\` receives each decoded, validated ${event.tsTypeName} with its metadata; failures are retried, then sent to \`${event.topic}.dlq\`.`, element, deprecated)],
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
    generatedHeader("//", `file ${input.file} (package ${input.package})`, { runtimeImport: options.runtimeImport }),
    "/* eslint-disable */",
  ].join("\n");
  return [header, ...imports, ...input.events.flatMap((e) => contractStatements(e, catalog, options))];
}

/** A reusable in-memory project (creating one is the expensive part). */
export function createTsMorphPrinter(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    compilerOptions: {},
    manipulationSettings: { indentationText: IndentationText.TwoSpaces, newLineKind: NewLineKind.LineFeed, quoteKind: QuoteKind.Double },
  });
}

export function emitContractModuleTsMorph(project: Project, input: ContractModuleInput, catalog: Catalog, options: ContractEmitOptions): string {
  const file = project.createSourceFile(`/${contractModulePath(input.file)}`, { statements: moduleStatements(input, catalog, options) }, { overwrite: true });
  const text = file.getFullText();
  project.removeSourceFile(file);
  return text.endsWith("\n") ? text : `${text}\n`;
}
