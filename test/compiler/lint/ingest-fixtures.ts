/** Fixtures of the ingest lint rules (compiler/rules/lint/ingest-rules.ts), merged into LINT_FIXTURES. */
import { event, type RuleFixture } from "./fixtures.js";

/** An event with `ingest { … }` written into its option. */
function ingestEvent(name: string, ingest: string, body?: string): string {
  return event(name, body === undefined ? {} : { body }).replace('owner: "team-a"', `owner: "team-a"\n    ingest: { ${ingest} }`);
}

const SENSITIVE = '  string id = 1;\n  string card_pan = 2 [(evt.v1.field) = { pii: SENSITIVE }];';

export const INGEST_LINT_FIXTURES: Readonly<Record<string, RuleFixture>> = {
  EVT_INGEST_SENSITIVE: {
    trips: [
      { proto: ingestEvent("A", "public: true", SENSITIVE), expect: [{ at: "string card_pan" }] },
      {
        proto: ingestEvent("A", "public: true", "  string id = 1;\n  map<string, Card> cards = 2;") +
          'message Card { string pan = 1 [(evt.v1.field) = { pii: SENSITIVE }]; }\n',
        expect: [{ at: "string pan" }],
      },
    ],
    near: [
      // the same field on an event that is not public; a PERSONAL field on a public one
      event("A", { body: SENSITIVE }) +
        ingestEvent("B", 'public: true sources: ["web"]', '  string id = 1;\n  string email = 2 [(evt.v1.field) = { pii: PERSONAL }];'),
    ],
  },
  EVT_INGEST_SOURCE_NAME: {
    trips: [
      { proto: ingestEvent("A", 'public: true sources: ["Web"]'), expect: [{ at: "public: true" }] },
      { proto: ingestEvent("A", 'public: true sources: ["web", "web"]'), expect: [{ at: "public: true" }] },
    ],
    near: [ingestEvent("A", 'public: true sources: ["web", "ios", "android", "react-native", "smart_tv2"]')],
  },
  EVT_INGEST_SOURCES_WITHOUT_PUBLIC: {
    trips: [{ proto: ingestEvent("A", 'sources: ["web"]'), expect: [{ at: "(evt.v1.event)", severity: "warning" }] }],
    near: [ingestEvent("A", 'public: true sources: ["web"]') + ingestEvent("B", "public: false")],
  },
};
