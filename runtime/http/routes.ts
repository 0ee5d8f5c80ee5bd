/**
 * The collector's route table (`generated/ingest/routes.json`, emitted from the contracts marked
 * `ingest { public: true }`) joined with the contract module's EventContracts: the only event
 * types `evt ingest` accepts. A route whose contract is missing or has another fingerprint is a
 * configuration error at start-up, never a surprise per request.
 */
import { readFileSync } from "node:fs";
import type { EventContract } from "../contract.js";
import { RuntimeConfigError } from "../errors.js";

export interface IngestRoute {
  readonly type: string;
  readonly topic: string;
  /** Allowed client sources; empty → any. */
  readonly sources: readonly string[];
  readonly contract: EventContract;
}

export interface RouteTableFile {
  readonly version: 1;
  readonly routes: readonly { readonly type: string; readonly topic: string; readonly sources: readonly string[]; readonly fingerprint: string }[];
}

export function readRouteTable(file: string): RouteTableFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new RuntimeConfigError(`ingest route table ${file}: ${(e as Error).message}`, { cause: e });
  }
  const t = parsed as Partial<RouteTableFile>;
  if (t.version !== 1 || !Array.isArray(t.routes)) throw new RuntimeConfigError(`ingest route table ${file}: not a version 1 route table (run evt generate)`);
  return t as RouteTableFile;
}

/** Joins the table with the contracts; `topicOf` may rename topics (tests, staging). */
export function resolveRoutes(
  table: RouteTableFile,
  contracts: readonly EventContract[],
  topicOf: (type: string, topic: string) => string = (_t, topic) => topic,
): Map<string, IngestRoute> {
  const byType = new Map(contracts.map((c) => [c.type, c] as const));
  const out = new Map<string, IngestRoute>();
  for (const r of table.routes) {
    const contract = byType.get(r.type);
    if (!contract) throw new RuntimeConfigError(`ingest route ${r.type}: the contract module has no such contract`);
    if (contract.fingerprint !== r.fingerprint) {
      throw new RuntimeConfigError(`ingest route ${r.type}: route table fingerprint ${r.fingerprint} differs from the contract's ${contract.fingerprint} (regenerate both with evt generate)`);
    }
    const topic = topicOf(r.type, r.topic);
    out.set(r.type, { type: r.type, topic, sources: r.sources, contract: topic === contract.topic ? contract : { ...contract, topic } });
  }
  if (out.size === 0) throw new RuntimeConfigError("ingest: the route table has no public event (mark contracts with ingest { public: true })");
  return out;
}
