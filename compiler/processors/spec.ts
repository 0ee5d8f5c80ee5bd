/**
 * A processor file `processors/<name>.yaml`: input contracts, Flink SQL, the output contract,
 * parallelism and checkpointing. Parsing keeps positions: every problem is a finding at the
 * file:line:col of the YAML node it is about, and the SQL's own line/column map back into the
 * YAML (`sqlPosition`).
 *
 *   description: Sessions of page views.
 *   inputs:
 *     - contract: clickstream.v1.PageViewed   # an event of the catalog
 *       as: page_viewed                       # table name in the SQL (default: snake_case name)
 *       watermark_delay: 2 minutes            # default 5 seconds
 *   output:
 *     contract: clickstream.v1.SessionSummarized
 *     id: [anonymous_id, platform, session_start]   # ce_id = a UUID derived from these columns
 *     time: session_end                             # ce_time (default: the processing time)
 *   parallelism: 1
 *   checkpointing: { interval: 10 seconds, mode: EXACTLY_ONCE }
 *   sql: |
 *     SELECT …
 */
import path from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type Scalar, type YAMLMap } from "yaml";
import type { SourcePosition } from "../model/catalog.js";

export interface ProcessorInput {
  readonly contract: string;
  readonly as?: string;
  /** Milliseconds the watermark trails the largest event time. */
  readonly watermarkDelayMs?: number;
  readonly position: SourcePosition;
}

export interface ProcessorOutput {
  readonly contract: string;
  readonly id: readonly string[];
  readonly time?: string;
  readonly position: SourcePosition;
  readonly idPosition: SourcePosition;
  readonly timePosition?: SourcePosition;
}

export interface ProcessorSpec {
  readonly name: string;
  /** The file as findings show it. */
  readonly file: string;
  readonly description: string;
  readonly inputs: readonly ProcessorInput[];
  readonly output: ProcessorOutput;
  readonly sql: string;
  readonly parallelism: number;
  readonly checkpointing: { readonly intervalMs: number; readonly mode: "EXACTLY_ONCE" | "AT_LEAST_ONCE" };
  /** Where SQL line 1 column 1 sits in the YAML; `block`: a block scalar (`|`), every line indented alike. */
  readonly sqlOrigin: { readonly line: number; readonly column: number; readonly block: boolean };
  readonly sqlPosition: SourcePosition;
}

/** A problem with the file itself (rule EVT_PROCESSOR_SPEC). */
export interface SpecProblem {
  readonly position: SourcePosition;
  readonly message: string;
}

export const PROCESSOR_NAME = /^[a-z][a-z0-9_-]*$/;

const UNITS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
};

/** "10 s", "2 minutes", "500ms" → milliseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  return m && unit ? Number(m[1]) * unit : undefined;
}

class Problems extends Error {
  constructor(readonly problem: SpecProblem) {
    super(problem.message);
  }
}

interface Ctx {
  readonly file: string;
  readonly lines: LineCounter;
}

function pos(ctx: Ctx, node: Node | null | undefined): SourcePosition {
  const p = ctx.lines.linePos(node?.range?.[0] ?? 0);
  return { file: ctx.file, line: p.line, column: p.col };
}

function fail(ctx: Ctx, node: Node | null | undefined, message: string): never {
  throw new Problems({ position: pos(ctx, node), message });
}

function mapping(ctx: Ctx, node: Node | null | undefined, what: string, allowed: readonly string[], required: readonly string[]): Map<string, Pair<Node, Node | null>> {
  if (!isMap(node)) fail(ctx, node, `${what} must be a mapping`);
  const out = new Map<string, Pair<Node, Node | null>>();
  for (const pair of (node as YAMLMap<Node, Node | null>).items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : "";
    if (!allowed.includes(k)) fail(ctx, pair.key, `${what}: unknown key "${k}" (allowed: ${allowed.join(", ")})`);
    out.set(k, pair);
  }
  for (const k of required) if (!out.has(k)) fail(ctx, node, `${what}: "${k}" is required`);
  return out;
}

function text(ctx: Ctx, pair: Pair<Node, Node | null> | undefined, what: string): string | undefined {
  if (!pair) return undefined;
  if (!isScalar(pair.value) || typeof pair.value.value !== "string" || pair.value.value.trim() === "") {
    fail(ctx, pair.value ?? pair.key, `${what} must be a non-empty string`);
  }
  return pair.value.value;
}

function duration(ctx: Ctx, pair: Pair<Node, Node | null> | undefined, what: string): number | undefined {
  const t = pair && isScalar(pair.value) ? String(pair.value.value) : text(ctx, pair, what);
  if (t === undefined) return undefined;
  const ms = parseDuration(t);
  if (ms === undefined || ms <= 0) fail(ctx, pair!.value, `${what} "${t}" is not a duration such as "10 seconds" or "2 minutes"`);
  return ms;
}

function positiveInt(ctx: Ctx, pair: Pair<Node, Node | null> | undefined, what: string): number | undefined {
  if (!pair) return undefined;
  const v = isScalar(pair.value) ? pair.value.value : undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) fail(ctx, pair.value ?? pair.key, `${what} must be a positive integer`);
  return v;
}

function inputs(ctx: Ctx, pair: Pair<Node, Node | null>): ProcessorInput[] {
  if (!isSeq(pair.value) || pair.value.items.length === 0) fail(ctx, pair.value ?? pair.key, "inputs must be a non-empty list");
  return (pair.value.items as Node[]).map((item, i) => {
    const e = mapping(ctx, item, `inputs[${i}]`, ["contract", "as", "watermark_delay"], ["contract"]);
    const as = text(ctx, e.get("as"), `inputs[${i}].as`);
    if (as !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(as)) fail(ctx, e.get("as")!.value, `inputs[${i}].as "${as}" is not a SQL identifier`);
    const delay = duration(ctx, e.get("watermark_delay"), `inputs[${i}].watermark_delay`);
    return {
      contract: text(ctx, e.get("contract"), `inputs[${i}].contract`)!,
      ...(as !== undefined ? { as } : {}),
      ...(delay !== undefined ? { watermarkDelayMs: delay } : {}),
      position: pos(ctx, e.get("contract")!.value),
    };
  });
}

function output(ctx: Ctx, pair: Pair<Node, Node | null>): ProcessorOutput {
  const e = mapping(ctx, pair.value, "output", ["contract", "id", "time"], ["contract", "id"]);
  const idPair = e.get("id")!;
  const idNode = idPair.value;
  const id = isSeq(idNode)
    ? (idNode.items as Node[]).map((n, i) => (isScalar(n) && typeof n.value === "string" ? n.value : fail(ctx, n, `output.id[${i}] must be a column name`)))
    : [text(ctx, idPair, "output.id")!];
  if (id.length === 0) fail(ctx, idNode, "output.id must name at least one column");
  const time = text(ctx, e.get("time"), "output.time");
  return {
    contract: text(ctx, e.get("contract"), "output.contract")!,
    id,
    ...(time !== undefined ? { time, timePosition: pos(ctx, e.get("time")!.value) } : {}),
    position: pos(ctx, e.get("contract")!.value),
    idPosition: pos(ctx, idNode),
  };
}

/** Line/column of SQL text (1, 1) in the YAML: a block scalar's content starts on the next line. */
function sqlOrigin(ctx: Ctx, source: string, node: Scalar): ProcessorSpec["sqlOrigin"] {
  const start = node.range?.[0] ?? 0;
  if (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") {
    const nextLine = source.indexOf("\n", start) + 1;
    let offset = nextLine;
    while (source[offset] === " ") offset++;
    const p = ctx.lines.linePos(offset);
    return { line: p.line, column: p.col, block: true };
  }
  const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE" ? 1 : 0;
  const p = ctx.lines.linePos(start + quoted);
  return { line: p.line, column: p.col, block: false };
}

function checkpointing(ctx: Ctx, pair: Pair<Node, Node | null> | undefined): ProcessorSpec["checkpointing"] {
  if (!pair) return { intervalMs: 10_000, mode: "EXACTLY_ONCE" };
  const e = mapping(ctx, pair.value, "checkpointing", ["interval", "mode"], []);
  const mode = text(ctx, e.get("mode"), "checkpointing.mode") ?? "EXACTLY_ONCE";
  if (mode !== "EXACTLY_ONCE" && mode !== "AT_LEAST_ONCE") fail(ctx, e.get("mode")!.value, `checkpointing.mode "${mode}" is not EXACTLY_ONCE or AT_LEAST_ONCE`);
  return { intervalMs: duration(ctx, e.get("interval"), "checkpointing.interval") ?? 10_000, mode };
}

/** Parses one processor file; `file` is how findings name it. */
export function parseProcessorSpec(source: string, file: string): { spec?: ProcessorSpec; problems: SpecProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const ctx: Ctx = { file, lines };
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((err) => {
        const p = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
        return { position: { file, line: p.line, column: p.col }, message: `not valid YAML: ${err.message.split("\n")[0]}` };
      }),
    };
  }
  const name = path.basename(file).replace(/\.ya?ml$/, "");
  try {
    if (!PROCESSOR_NAME.test(name)) fail(ctx, doc.contents as Node, `processor file name "${name}" must be lower-case letters, digits, - and _`);
    const top = mapping(ctx, doc.contents as Node, "processor", ["description", "inputs", "output", "sql", "parallelism", "checkpointing"], ["inputs", "output", "sql"]);
    const sqlPair = top.get("sql")!;
    const sql = text(ctx, sqlPair, "sql")!;
    const spec: ProcessorSpec = {
      name,
      file,
      description: text(ctx, top.get("description"), "description") ?? "",
      inputs: inputs(ctx, top.get("inputs")!),
      output: output(ctx, top.get("output")!),
      sql: sql.replace(/\s+$/, ""),
      parallelism: positiveInt(ctx, top.get("parallelism"), "parallelism") ?? 1,
      checkpointing: checkpointing(ctx, top.get("checkpointing")),
      sqlOrigin: sqlOrigin(ctx, source, sqlPair.value as Scalar),
      sqlPosition: pos(ctx, sqlPair.value),
    };
    return { spec, problems: [] };
  } catch (e) {
    if (e instanceof Problems) return { problems: [e.problem] };
    throw e;
  }
}

/** SQL (line, column), 1-based, → the YAML position (a block scalar indents every line alike). */
export function sqlToYamlPosition(spec: ProcessorSpec, line: number, column: number): SourcePosition {
  const { line: l0, column: c0, block } = spec.sqlOrigin;
  return { file: spec.file, line: l0 + line - 1, column: line === 1 || block ? c0 - 1 + column : column };
}
