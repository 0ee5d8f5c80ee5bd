/**
 * Rules on `ingest { public, sources }` (docs/decisions.md D66): what the HTTP collector may
 * accept from the internet. A public event is written by untrusted clients, so it must not carry
 * SENSITIVE data at all (payment instruments, government ids and health data are collected by a
 * service, never by a tracker), and its sources are lower-case names matched exactly against the
 * client's declared source.
 */
import type { Catalog, EventModel, FieldModel, MessageModel } from "../../model/catalog.js";
import type { LintHit, LintRule } from "./rule.js";

/** Fields of `message` and of every message it reaches (maps and repeated included), cycles visited once, with their dotted paths. */
function reachableFields(message: MessageModel, catalog: Catalog): { path: string; field: FieldModel }[] {
  const out: { path: string; field: FieldModel }[] = [];
  const seen = new Set<string>();
  const visit = (m: MessageModel, prefix: string): void => {
    if (seen.has(m.fullName)) return;
    seen.add(m.fullName);
    for (const f of m.fields) {
      const path = prefix ? `${prefix}.${f.name}` : f.name;
      out.push({ path, field: f });
      const inner = f.type.kind === "map" ? f.type.value : f.type;
      const next = inner.kind === "message" && !inner.wellKnown ? catalog.messages[inner.typeName] : undefined;
      if (next) visit(next, path);
    }
  };
  visit(message, "");
  return out;
}

const publicEvents = (catalog: Catalog): EventModel[] => catalog.events.filter((e) => e.ingest?.public);

export const ingestSensitive: LintRule = {
  id: "EVT_INGEST_SENSITIVE",
  category: "INGEST",
  severity: "error",
  doc: "Checks that an event accepted from browsers and apps (ingest public) carries no SENSITIVE field, directly or nested.",
  check: (catalog) =>
    publicEvents(catalog).flatMap((e) =>
      reachableFields(e.message, catalog)
        .filter((r) => r.field.pii === "sensitive")
        .map((r): LintHit => ({
          position: r.field.position,
          element: `${e.fullName}.${r.path}`,
          message: `${e.fullName} is public for ingest but ${r.path} is SENSITIVE: untrusted clients must not send sensitive data; collect it from a service or drop ingest public`,
        })),
    ),
};

const SOURCE = /^[a-z][a-z0-9_-]{0,31}$/;

export const ingestSourceName: LintRule = {
  id: "EVT_INGEST_SOURCE_NAME",
  category: "INGEST",
  severity: "error",
  doc: "Checks that ingest sources are lower-case names (letter first, then a-z, 0-9, _ or -, at most 32) listed once each.",
  check: (catalog) =>
    catalog.events.flatMap((e) => {
      if (!e.ingest) return [];
      const seen = new Set<string>();
      return e.ingest.sources.flatMap((s): LintHit[] => {
        const hit = (why: string): LintHit[] => [{ position: e.ingest!.position, element: e.fullName, message: `${e.fullName}: ingest source "${s}" ${why}` }];
        if (!SOURCE.test(s)) return hit("is not a lower-case source name such as web, ios or android");
        if (seen.has(s)) return hit("is listed twice");
        seen.add(s);
        return [];
      });
    }),
};

export const ingestSourcesWithoutPublic: LintRule = {
  id: "EVT_INGEST_SOURCES_WITHOUT_PUBLIC",
  category: "INGEST",
  severity: "warning",
  doc: "Checks that ingest sources are only listed on an event that is public, where they take effect.",
  check: (catalog) =>
    catalog.events
      .filter((e) => e.ingest && !e.ingest.public && e.ingest.sources.length > 0)
      .map((e) => ({
        position: e.ingest!.position,
        element: e.fullName,
        message: `${e.fullName} lists ingest sources but is not public: the collector accepts it from nobody; set public: true or remove the sources`,
      })),
};
