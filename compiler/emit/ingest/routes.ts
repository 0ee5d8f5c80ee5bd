/**
 * `ingest/routes.json`: the collector's route table — the only event types `evt ingest` accepts
 * from clients (contracts with `ingest { public: true }`), their topic, allowed sources and the
 * descriptor fingerprint the collector checks against the contract module it loads.
 */
import type { Catalog } from "../../model/catalog.js";
import { jsonText } from "../json-text.js";

export { INGEST_ROUTES_PATH } from "../layout.js";
export const INGEST_ROUTES_VERSION = 1;

export function emitIngestRoutes(catalog: Catalog): string {
  return jsonText({
    version: INGEST_ROUTES_VERSION,
    routes: catalog.events
      .filter((e) => e.ingest?.public)
      .map((e) => ({ type: e.fullName, topic: e.topic, sources: [...e.ingest!.sources], fingerprint: e.fingerprint })),
  });
}
