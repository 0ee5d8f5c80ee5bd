/**
 * The one place prom-client is loaded (an optional peer of @evt/runtime: a service that never asks
 * for metrics never loads it). Loaded synchronously on first use — metrics objects are built in
 * constructors — with the same MissingPeerError as every optional peer (runtime/optional-peer.ts).
 */
import { createRequire } from "node:module";
import type * as PromClient from "prom-client";
import { isMissingModule, missingPeerError } from "../optional-peer.js";

export type { Registry, Counter, Gauge, Histogram } from "prom-client";

const require = createRequire(import.meta.url);
let loaded: typeof PromClient | undefined;

/** prom-client, loaded on first call; a clear error naming the package when it is not installed. */
export function promClient(): typeof PromClient {
  if (loaded) return loaded;
  try {
    loaded = require("prom-client") as typeof PromClient;
  } catch (e) {
    throw isMissingModule(e, "prom-client") ? missingPeerError("prom-client", "metrics", e) : e;
  }
  return loaded;
}
