/**
 * Extracts the compatibility test suites of the two reference tools from their fetched mirrors
 * (bare git directories) at pinned commits into the ignored `.cache/compat-suites/`, where
 * test/compiler/compat/{buf,confluent}-suite.test.ts judge evt against them. Nothing of those
 * repositories is committed here: only this script and the commit ids.
 *   - buf: `private/bufpkg/bufcheck/testdata/breaking/{previous,current}/<case>` and the expected
 *     annotations of each `testBreaking(t, "<case>", …)` call in `breaking_test.go`.
 *   - Confluent Schema Registry: `diff-schema-examples*.json` (original/update schema, BACKWARD
 *     verdict) and the schema pairs of SchemaDiffTest / ProtobufSchemaTest.
 * Usage: npx tsx scripts/extract-compat-suites.ts   (the tests call `extractSuites()` themselves)
 * Mirrors: fetch github:bufbuild/buf and github:confluentinc/schema-registry (→ /work/.mirror/…),
 * or set EVT_BUF_MIRROR / EVT_CONFLUENT_MIRROR to their git directories.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

export const BUF_COMMIT = "c9a5b2656599d7311a77d45880c250273b02de6d";
export const CONFLUENT_COMMIT = "794611bd86d1ce0422581269e2b13a2ab010c7fb";

const REPO = fileURLToPath(new URL("..", import.meta.url));
export const SUITES_DIR = path.join(REPO, ".cache", "compat-suites");
const BUF_MIRROR = process.env["EVT_BUF_MIRROR"] ?? "/work/.mirror/bufbuild+buf/repo";
const CONFLUENT_MIRROR = process.env["EVT_CONFLUENT_MIRROR"] ?? "/work/.mirror/confluentinc+schema-registry/repo";

const BUF_TESTDATA = "private/bufpkg/bufcheck/testdata/breaking";
const BUF_TEST = "private/bufpkg/bufcheck/breaking_test.go";
const CF_RESOURCES = "protobuf-provider/src/test/resources";
const CF_MAIN_RESOURCES = "protobuf-types/src/main/proto";

/** An expected buf annotation; `line`/`column` (1-based start) absent for NoLocation ones. */
export interface BufAnnotation {
  readonly rule: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  /** Set for annotations of buf plugins or policies (never evt's business). */
  readonly plugin?: boolean;
}

export interface BufCase {
  readonly name: string;
  readonly test: string;
  /** breaking config of the case's buf.yaml (`{}` when none). */
  readonly config: { readonly version?: string; readonly use?: readonly string[]; readonly except?: readonly string[]; readonly other: readonly string[] };
  readonly annotations: readonly BufAnnotation[];
  /** Directories (absolute) of the two trees. */
  readonly previous: string;
  readonly current: string;
}

export interface ConfluentSide {
  /** Directory (absolute) holding the schema as `schema.proto` (or its file name) plus dependencies. */
  readonly dir: string;
  readonly main: string;
}

export interface ConfluentCase {
  /** `<source>#<index> <description>`: stable for the allow-list. */
  readonly id: string;
  readonly description: string;
  readonly compatible: boolean;
  readonly changes: readonly string[];
  readonly original: ConfluentSide;
  readonly update: ConfluentSide;
}

export class MirrorMissingError extends Error {
  override readonly name = "MirrorMissingError";
}

function git(gitDir: string, args: readonly string[]): Buffer {
  return execFileSync("git", ["--git-dir", gitDir, ...args], { maxBuffer: 1 << 28 });
}

function requireMirror(gitDir: string, repo: string, commit: string): void {
  const hint = `fetch it (the session's fetch tool: github:${repo}, or \`git clone --bare https://github.com/${repo} ${gitDir}\`) or point ${repo.includes("buf") ? "EVT_BUF_MIRROR" : "EVT_CONFLUENT_MIRROR"} at a git directory holding commit ${commit}`;
  if (!existsSync(gitDir)) throw new MirrorMissingError(`mirror of ${repo} not found at ${gitDir}: ${hint}`);
  try {
    git(gitDir, ["cat-file", "-e", `${commit}^{commit}`]);
  } catch {
    throw new MirrorMissingError(`mirror of ${repo} at ${gitDir} lacks commit ${commit}: ${hint}`);
  }
}

/** `git archive <commit> <paths>` unpacked into `dest`. */
function unpack(gitDir: string, commit: string, paths: readonly string[], dest: string): void {
  mkdirSync(dest, { recursive: true });
  const tar = git(gitDir, ["archive", "--format=tar", commit, ...paths]);
  execFileSync("tar", ["-x", "-C", dest], { input: tar });
}

// ---------------------------------------------------------------------------------------------
// buf

const CALL = /testBreaking\(\s*t,\s*"([a-z0-9_]+)",([\s\S]*?)\n\t\)\n/g;
const ANNOTATION = /bufanalysistesting\.(NewFileAnnotation\w*)\(\s*t,\s*([^]*?"[A-Z][A-Z0-9_]+")/g;

/** The expected annotations of every testBreaking call, by case name. */
export function parseBreakingTest(source: string): { name: string; test: string; annotations: BufAnnotation[] }[] {
  const out: { name: string; test: string; annotations: BufAnnotation[] }[] = [];
  for (const call of source.matchAll(CALL)) {
    const before = source.slice(0, call.index);
    const test = /func (Test\w+)\(t \*testing\.T\) \{[^]*$/.exec(before.slice(before.lastIndexOf("\nfunc ")))?.[1] ?? "";
    const annotations: BufAnnotation[] = [];
    const body = call[2]!;
    for (const a of body.matchAll(ANNOTATION)) {
      const args = a[2]!.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
      const str = (s: string): string => JSON.parse(s) as string;
      const rest = body.slice(a.index + a[0].length);
      const next = rest.indexOf("bufanalysistesting.NewFile");
      const plugin = /WithPluginName|WithPolicyName/.test(next < 0 ? rest : rest.slice(0, next)) || undefined;
      if (a[1] === "NewFileAnnotation") {
        const [file, sl, sc, el, ec, rule] = args;
        annotations.push({ rule: str(rule!), file: str(file!), line: Number(sl), column: Number(sc), endLine: Number(el), endColumn: Number(ec), ...(plugin ? { plugin } : {}) });
      } else if (a[1] === "NewFileAnnotationNoLocation") {
        annotations.push({ rule: str(args[1]!), file: str(args[0]!) });
      } else annotations.push({ rule: str(args[0]!) });
    }
    out.push({ name: call[1]!, test, annotations });
  }
  return out;
}

function bufConfig(dir: string): BufCase["config"] {
  const file = path.join(dir, "buf.yaml");
  if (!existsSync(file)) return { other: [] };
  const y = (parseYaml(execFileSync("cat", [file]).toString()) ?? {}) as { version?: string; breaking?: Record<string, unknown>; build?: unknown; plugins?: unknown };
  const b = y.breaking ?? {};
  const other = Object.keys(b).filter((k) => k !== "use" && k !== "except");
  if (y.build !== undefined) other.push("build");
  if (y.plugins !== undefined) other.push("plugins");
  return {
    ...(y.version ? { version: y.version } : {}),
    ...(Array.isArray(b["use"]) ? { use: b["use"] as string[] } : {}),
    ...(Array.isArray(b["except"]) ? { except: b["except"] as string[] } : {}),
    other,
  };
}

function extractBuf(dest: string): BufCase[] {
  requireMirror(BUF_MIRROR, "bufbuild/buf", BUF_COMMIT);
  const raw = path.join(dest, "raw");
  unpack(BUF_MIRROR, BUF_COMMIT, [BUF_TESTDATA, BUF_TEST], raw);
  const source = execFileSync("cat", [path.join(raw, BUF_TEST)]).toString();
  return parseBreakingTest(source).map(({ name, test, annotations }) => {
    const previous = path.join(raw, BUF_TESTDATA, "previous", name);
    const current = path.join(raw, BUF_TESTDATA, "current", name);
    return { name, test, config: bufConfig(current), annotations, previous, current };
  });
}

// ---------------------------------------------------------------------------------------------
// Confluent

interface ExampleJson {
  readonly description: string;
  readonly original_schema: string;
  readonly update_schema: string;
  readonly original_dependencies?: readonly { name: string; dependency?: string }[];
  readonly update_dependencies?: readonly { name: string; dependency?: string }[];
  readonly changes: readonly string[];
  readonly compatible: boolean;
}

/** Writes one side: the schema (inline text, or a resource file name) and its dependencies. */
function writeSide(dir: string, raw: string, schema: string, deps: ExampleJson["original_dependencies"]): ConfluentSide {
  mkdirSync(dir, { recursive: true });
  const resource = (name: string): string => {
    for (const root of [CF_RESOURCES, CF_MAIN_RESOURCES]) {
      const p = path.join(raw, root, name);
      if (existsSync(p)) return execFileSync("cat", [p]).toString();
    }
    throw new Error(`Confluent resource ${name} not found`);
  };
  const main = schema.endsWith(".proto") ? schema : "schema.proto";
  const put = (name: string, text: string): void => {
    if (name.startsWith("google/protobuf/")) return; // buf provides the well-known types
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  };
  put(main, schema.endsWith(".proto") ? resource(schema) : schema);
  for (const d of deps ?? []) if (!d.name.startsWith("google/protobuf/")) put(d.name, d.dependency ?? resource(d.name));
  return { dir, main };
}

/** Imports of Confluent's own option files, resolved from its main resources. */
function addConfluentImports(side: ConfluentSide, raw: string): void {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    const text = execFileSync("cat", [path.join(side.dir, file)]).toString();
    for (const m of text.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"/gm)) {
      const name = m[1]!;
      if (seen.has(name) || name.startsWith("google/protobuf/")) continue;
      seen.add(name);
      const target = path.join(side.dir, name);
      if (!existsSync(target)) {
        const src = [CF_MAIN_RESOURCES, CF_RESOURCES].map((r) => path.join(raw, r, name)).find((p) => existsSync(p));
        if (!src) continue;
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, execFileSync("cat", [src]));
      }
      visit(name);
    }
  };
  visit(side.main);
}

/** The schema pairs of the Java tests: [test, original resource, update resource, BACKWARD-compatible]. */
const JAVA_PAIRS: readonly (readonly [string, string, string, boolean])[] = [
  // SchemaDiffTest.checkCompatibilityUsingProtoFiles: field 2 renamed and its scalar kind changed.
  ["SchemaDiffTest.checkCompatibilityUsingProtoFiles", "io/confluent/kafka/schemaregistry/protobuf/diff/TestProto.proto", "io/confluent/kafka/schemaregistry/protobuf/diff/TestProto2.proto", false],
  // ProtobufSchemaTest: a schema is BACKWARD compatible with its descriptor round trip.
  ["ProtobufSchemaTest.testMeta", "io/confluent/kafka/schemaregistry/protobuf/diff/DecimalValue2.proto", "io/confluent/kafka/schemaregistry/protobuf/diff/DecimalValue2.proto", true],
  ["ProtobufSchemaTest.testFileDescriptorProto", "io/confluent/kafka/schemaregistry/protobuf/diff/TestProto.proto", "io/confluent/kafka/schemaregistry/protobuf/diff/TestProto.proto", true],
  ["ProtobufSchemaTest.testFileDescriptorProto", "io/confluent/kafka/schemaregistry/protobuf/diff/NestedTestProto.proto", "io/confluent/kafka/schemaregistry/protobuf/diff/NestedTestProto.proto", true],
];

function extractConfluent(dest: string): ConfluentCase[] {
  requireMirror(CONFLUENT_MIRROR, "confluentinc/schema-registry", CONFLUENT_COMMIT);
  const raw = path.join(dest, "raw");
  unpack(CONFLUENT_MIRROR, CONFLUENT_COMMIT, [CF_RESOURCES, CF_MAIN_RESOURCES], raw);
  const cases: ConfluentCase[] = [];
  for (const source of ["diff-schema-examples.json", "diff-schema-examples-with-meta.json"]) {
    const examples = JSON.parse(execFileSync("cat", [path.join(raw, CF_RESOURCES, source)]).toString()) as ExampleJson[];
    examples.forEach((ex, i) => {
      const base = path.join(dest, "cases", `${source.replace(/\.json$/, "")}-${i}`);
      const original = writeSide(path.join(base, "original"), raw, ex.original_schema, ex.original_dependencies);
      const update = writeSide(path.join(base, "update"), raw, ex.update_schema, ex.update_dependencies);
      addConfluentImports(original, raw);
      addConfluentImports(update, raw);
      cases.push({ id: `${source}#${i} ${ex.description}`, description: ex.description, compatible: ex.compatible, changes: ex.changes, original, update });
    });
  }
  JAVA_PAIRS.forEach(([test, before, after, compatible], i) => {
    const base = path.join(dest, "cases", `java-${i}`);
    const original = writeSide(path.join(base, "original"), raw, before, []);
    const update = writeSide(path.join(base, "update"), raw, after, []);
    addConfluentImports(original, raw);
    addConfluentImports(update, raw);
    cases.push({ id: `${test}#${i} ${path.basename(before)} -> ${path.basename(after)}`, description: test, compatible, changes: [], original, update });
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------

export interface Suites {
  readonly buf: readonly BufCase[];
  readonly confluent: readonly ConfluentCase[];
}

/** Extracts (once per pinned commit pair; the result is cached) and returns both suites. */
export function extractSuites(): Suites {
  const dir = path.join(SUITES_DIR, `buf-${BUF_COMMIT.slice(0, 12)}_confluent-${CONFLUENT_COMMIT.slice(0, 12)}`);
  const index = path.join(dir, "suites.json");
  // The mirrors are the source of truth: without them the cached copy is not trusted either.
  requireMirror(BUF_MIRROR, "bufbuild/buf", BUF_COMMIT);
  requireMirror(CONFLUENT_MIRROR, "confluentinc/schema-registry", CONFLUENT_COMMIT);
  if (!existsSync(index)) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const buf = extractBuf(path.join(tmp, "buf"));
    const confluent = extractConfluent(path.join(tmp, "confluent"));
    const rebase = (p: string): string => p.replace(tmp, dir);
    const suites: Suites = {
      buf: buf.map((c) => ({ ...c, previous: rebase(c.previous), current: rebase(c.current) })),
      confluent: confluent.map((c) => ({ ...c, original: { ...c.original, dir: rebase(c.original.dir) }, update: { ...c.update, dir: rebase(c.update.dir) } })),
    };
    writeFileSync(path.join(tmp, "suites.json"), JSON.stringify({ bufCommit: BUF_COMMIT, confluentCommit: CONFLUENT_COMMIT, ...suites }, null, 1));
    try {
      renameSync(tmp, dir); // atomic: parallel test workers never see a half-written suite
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another worker won the race
    }
  }
  return JSON.parse(execFileSync("cat", [index]).toString()) as Suites;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const s = extractSuites();
  console.log(`buf: ${s.buf.length} cases, ${s.buf.reduce((n, c) => n + c.annotations.length, 0)} annotations; confluent: ${s.confluent.length} cases → ${SUITES_DIR}`);
}
