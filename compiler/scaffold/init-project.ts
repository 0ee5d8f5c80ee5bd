/**
 * `evt init`: the files a contract repository starts from — evt.yaml, the buf module file, the
 * vocabulary copied from the installed evt, an example contract that lints clean, and .gitignore
 * entries for evt's local state. It never overwrites or deletes: existing files are kept (a
 * vocabulary that differs from the installed one is replaced only with `force`), and .gitignore
 * only gains missing lines.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CONFIG_FILE_NAME, DEFAULTS } from "../config/schema.js";
import { installedVocabulary, vocabularyStatus, VOCABULARY_PROTO } from "../vocabulary/installed.js";

export const EXAMPLE_CONTRACT = "example/v1/example.proto";

/** Lines evt.yaml's defaults make evt write locally (never committed): the generate cache, the local DuckDB warehouse. */
export const GITIGNORE_LINES = [".cache/evt/", `${path.posix.dirname(DEFAULTS.duckdbPath)}/*.duckdb`, `${path.posix.dirname(DEFAULTS.duckdbPath)}/*.duckdb.wal`];

const CONFIG_TEXT = `# evt configuration (README "Configuration: evt.yaml"). Paths are relative to this file.
proto: ${DEFAULTS.proto}          # the contract root: one buf module
out: ${DEFAULTS.out}        # evt generate's output (it writes only files listed in its .evt-manifest.json)
`;

const BUF_YAML = `# The buf module evt compiles (evt lint, generate and check-compat run buf build here).
version: v2
`;

const EXAMPLE_TEXT = `// An example contract written by evt init: rename it to your first event, or delete it once
// your own contracts exist.
syntax = "proto3";

package example.v1;

import "evt/v1/options.proto";
import "google/protobuf/timestamp.proto";

// A customer subscribed to the newsletter.
message NewsletterSubscribed {
  option (evt.v1.event) = {
    topic: "example.newsletter_subscribed.v1"
    key: "subscription_id"
    owner: "team-example"
    compatibility: BACKWARD
    sink: { table: "EXAMPLE.NEWSLETTER_SUBSCRIBED" mode: APPEND }
  };

  // Identifier of the subscription, a UUID string; the Kafka key, so a subscription's events stay in order.
  string subscription_id = 1 [(evt.v1.field) = { required: true }];
  // E-mail address the newsletter goes to.
  string email = 2 [(evt.v1.field) = { pii: PERSONAL }];
  // When the customer subscribed, in UTC.
  google.protobuf.Timestamp subscribed_at = 3 [(evt.v1.field) = { required: true }];
}
`;

export type InitAction = "created" | "kept" | "replaced" | "updated";

export interface InitStep {
  /** Relative to the repository directory, `/`-separated. */
  readonly path: string;
  readonly action: InitAction;
  /** Why a file was kept or what changed, as a sentence; absent when created. */
  readonly note?: string;
}

export interface InitOptions {
  /** Repository directory (absolute). */
  readonly dir: string;
  /** Contract root (absolute): evt.yaml's when there is one, else `<dir>/proto`. */
  readonly protoRoot: string;
  /** Replace a vocabulary copy that differs from the installed one. */
  readonly force?: boolean;
}

function hasContracts(protoRoot: string): boolean {
  if (!existsSync(protoRoot)) return false;
  const walk = (d: string, rel: string): boolean =>
    readdirSync(d, { withFileTypes: true }).some((e) => {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) return walk(path.join(d, e.name), r);
      return e.name.endsWith(".proto") && r !== VOCABULARY_PROTO;
    });
  return statSync(protoRoot).isDirectory() && walk(protoRoot, "");
}

/** Writes `content` unless the file exists. */
function createOnce(dir: string, rel: string, content: string): InitStep {
  const abs = path.join(dir, rel);
  if (existsSync(abs)) return { path: rel, action: "kept", note: "it already exists" };
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, content);
  return { path: rel, action: "created" };
}

function vocabularyStep(dir: string, protoRoot: string, force: boolean): InitStep {
  const rel = path.relative(dir, path.join(protoRoot, VOCABULARY_PROTO)).split(path.sep).join("/");
  const installed = installedVocabulary();
  const status = vocabularyStatus(protoRoot);
  if (status === "same") return { path: rel, action: "kept", note: `it matches evt ${installed.version}'s vocabulary` };
  if (status === "differs" && !force) {
    return { path: rel, action: "kept", note: `it differs from evt ${installed.version}'s vocabulary; rerun evt init --force to replace it with the installed one` };
  }
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), installed.text);
  return status === "differs" ? { path: rel, action: "replaced", note: `with evt ${installed.version}'s vocabulary` } : { path: rel, action: "created" };
}

function gitignoreStep(dir: string): InitStep {
  const abs = path.join(dir, ".gitignore");
  const text = existsSync(abs) ? readFileSync(abs, "utf8") : undefined;
  const present = new Set((text ?? "").split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_LINES.filter((l) => !present.has(l));
  if (missing.length === 0) return { path: ".gitignore", action: "kept", note: "it already ignores evt's local state" };
  const block = `# evt's local state: generate cache, local DuckDB warehouse\n${missing.join("\n")}\n`;
  writeFileSync(abs, text === undefined ? block : `${text}${text.endsWith("\n") || text === "" ? "" : "\n"}${block}`);
  return text === undefined ? { path: ".gitignore", action: "created" } : { path: ".gitignore", action: "updated", note: `added ${missing.join(", ")}` };
}

/** Runs every step in order; returns what happened to each file. */
export function initProject(options: InitOptions): InitStep[] {
  const { dir, protoRoot } = options;
  const rel = (abs: string): string => path.relative(dir, abs).split(path.sep).join("/");
  const steps: InitStep[] = [createOnce(dir, CONFIG_FILE_NAME, CONFIG_TEXT)];
  const withContracts = hasContracts(protoRoot);
  steps.push(createOnce(dir, rel(path.join(protoRoot, "buf.yaml")), BUF_YAML));
  steps.push(vocabularyStep(dir, protoRoot, options.force ?? false));
  if (!withContracts) steps.push(createOnce(dir, rel(path.join(protoRoot, EXAMPLE_CONTRACT)), EXAMPLE_TEXT));
  steps.push(gitignoreStep(dir));
  return steps;
}

export function formatInitSteps(steps: readonly InitStep[], shownDir: string): string {
  const lines = steps.map((s) => `${s.action.padEnd(8)} ${path.posix.join(shownDir, s.path)}${s.note ? ` (${s.note})` : ""}`);
  lines.push("Next: evt lint, then evt generate (README \"Start a contract repo\").");
  return lines.join("\n");
}
