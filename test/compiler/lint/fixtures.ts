/**
 * One entry per lint rule: proto text that trips it (with where each finding must point) and a
 * close variant that must lint clean. `meta.test.ts` fails when a registered rule has no entry.
 */

import { INGEST_LINT_FIXTURES } from "./ingest-fixtures.js";

export const HEADER = `syntax = "proto3";\npackage t.v1;\nimport "evt/v1/options.proto";\nimport "google/protobuf/duration.proto";\n`;
export const FILE = "t/v1/t.proto";

export interface Expected {
  /** Text whose first character is where the finding points (the `nth` occurrence, 0-based). */
  readonly at: string;
  readonly nth?: number;
  readonly severity?: "error" | "warning";
}

export interface TripCase {
  readonly proto: string;
  readonly expect: readonly Expected[];
}

export interface RuleFixture {
  readonly trips: readonly TripCase[];
  /** Close to a trip but correct: must produce no finding at all. */
  readonly near: readonly string[];
}

/** An event message with sensible defaults; override any option text. */
export function event(name: string, opts: { topic?: string | null; key?: string; owner?: string | null; sinks?: string[]; body?: string; eventTime?: string } = {}): string {
  const lines = [
    opts.topic === null ? "" : `topic: "${opts.topic ?? `t.${name.toLowerCase()}.v1`}"`,
    opts.key !== undefined ? `key: "${opts.key}"` : "",
    opts.owner === null ? "" : `owner: "${opts.owner ?? "team-a"}"`,
    opts.eventTime !== undefined ? `event_time: "${opts.eventTime}"` : "",
    ...(opts.sinks ?? []).map((s) => `sink: { ${s} }`),
  ].filter(Boolean);
  return `
// ${name} happened.
message ${name} {
  option (evt.v1.event) = {
    ${lines.join("\n    ")}
  };
${opts.body ?? "  string id = 1;"}
}
`;
}

const OPT = "(evt.v1.event)";

/** An event with an `slo` option (and a sink unless `sink: false`). */
function sloEvent(slo: string, sink = true): string {
  return event("A", { sinks: sink ? ['table: "T.A"'] : [] }).replace("owner:", `slo: { ${slo} }\n    owner:`);
}

export const LINT_FIXTURES: Readonly<Record<string, RuleFixture>> = {
  ...INGEST_LINT_FIXTURES,
  EVT_SLO_RANGE: {
    trips: [
      { proto: sloEvent("max_reject_rate: 1.5"), expect: [{ at: OPT }] },
      { proto: sloEvent("max_reject_rate: -0.1"), expect: [{ at: OPT }] },
      { proto: sloEvent("freshness_minutes: 0"), expect: [{ at: OPT, severity: "warning" }] },
    ],
    near: [sloEvent("freshness_minutes: 15 max_reject_rate: 0.01 min_events_per_hour: 100")],
  },
  EVT_SLO_WITHOUT_SINK: {
    trips: [{ proto: sloEvent("freshness_minutes: 15", false), expect: [{ at: OPT }] }],
    near: [sloEvent("freshness_minutes: 15")],
  },
  EVT_TOPIC_MISSING: {
    trips: [{ proto: event("A", { topic: null }), expect: [{ at: OPT }] }],
    near: [event("A", { topic: "t.a" })],
  },
  EVT_TOPIC_DUPLICATE: {
    trips: [{ proto: event("A", { topic: "t.same.v1" }) + event("B", { topic: "t.same.v1" }), expect: [{ at: OPT, nth: 1 }] }],
    near: [event("A", { topic: "t.same.v1" }) + event("B", { topic: "t.same.v2" })],
  },
  EVT_TOPIC_NAME: {
    trips: [
      { proto: event("A", { topic: "Orders.Placed" }), expect: [{ at: OPT }] },
      { proto: event("A", { topic: "orders" }), expect: [{ at: OPT }] },
      { proto: event("A", { topic: "orders.placed.dlq" }), expect: [{ at: OPT }] },
    ],
    near: [event("A", { topic: "orders.placed" }) + event("B", { topic: "orders.order_placed.v12" })],
  },
  EVT_KEY_MISSING_FIELD: {
    trips: [
      {
        proto: event("A", { key: "courier.idd", body: "  Courier courier = 1;" }) + "message Courier { string id = 1; }\n",
        expect: [{ at: OPT }],
      },
      { proto: event("A", { key: "id.part" }), expect: [{ at: OPT }] },
    ],
    near: [event("A", { key: "courier.id", body: "  Courier courier = 1 [(evt.v1.field) = { required: true }];" }) + "message Courier { string id = 1; }\n"],
  },
  EVT_KEY_NOT_SCALAR: {
    trips: [
      { proto: event("A", { key: "amount", body: "  double amount = 1;" }), expect: [{ at: OPT }] },
      { proto: event("A", { key: "tags", body: "  repeated string tags = 1;" }), expect: [{ at: OPT }] },
      {
        proto: event("A", { key: "lines.id", body: "  repeated Line lines = 1;" }) + "message Line { string id = 1; }\n",
        expect: [{ at: OPT }],
      },
      { proto: event("A", { key: "when", body: "  google.protobuf.Duration when = 1;" }), expect: [{ at: OPT }] },
      // An enum key: refused by lint and by generate alike (model/key-path.ts).
      { proto: event("A", { key: "kind", body: "  Kind kind = 1;" }) + "enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }\n", expect: [{ at: OPT }] },
    ],
    near: [event("A", { key: "store_id", body: "  int64 store_id = 1;" }) + event("B", { key: "id" })],
  },
  EVT_EVENT_TIME_FIELD: {
    trips: [
      { proto: event("A", { eventTime: "missing" }), expect: [{ at: OPT }] },
      { proto: event("A", { eventTime: "took", body: "  google.protobuf.Duration took = 1;" }), expect: [{ at: OPT }] },
      { proto: event("A", { eventTime: "at", body: "  int64 at = 1;" }), expect: [{ at: OPT }] },
    ],
    near: ['import "google/protobuf/timestamp.proto";\n' + event("A", { eventTime: "meta.at", body: "  Meta meta = 1;" }) + "message Meta { google.protobuf.Timestamp at = 1; }\n"],
  },
  EVT_OWNER_MISSING: {
    trips: [{ proto: event("A", { owner: null }), expect: [{ at: OPT }] }],
    near: [event("A", { owner: "team-b" })],
  },
  EVT_PII_TYPE: {
    trips: [
      { proto: event("A", { body: '  string id = 1;\n  bool is_vip = 2 [(evt.v1.field) = { pii: PERSONAL }];' }), expect: [{ at: "bool is_vip" }] },
      { proto: event("A", { body: '  string id = 1;\n  google.protobuf.Duration wait = 2 [(evt.v1.field) = { pii: SENSITIVE }];' }), expect: [{ at: "google.protobuf.Duration wait" }] },
      { proto: event("A", { body: '  string id = 1;\n  double lat = 2 [(evt.v1.field) = { pii: PERSONAL }];' }), expect: [{ at: "double lat" }] },
    ],
    near: [
      event("A", {
        body: '  string id = 1 [(evt.v1.field) = { pii: PERSONAL }];\n  bool has_condition = 2 [(evt.v1.field) = { pii: SENSITIVE }];\n  double lat = 3 [(evt.v1.field) = { pii: NONE }];',
      }),
    ],
  },
  EVT_COLUMN_TYPE_MISMATCH: {
    trips: [
      { proto: event("A", { sinks: ['table: "T.A"'], body: '  string id = 1;\n  int64 n = 2 [(evt.v1.field) = { column_type: "NUMBER(5,0)" }];' }), expect: [{ at: "int64 n" }] },
      { proto: event("A", { sinks: ['table: "T.A"'], body: '  string id = 1 [(evt.v1.field) = { column_type: "BOOLEAN" }];' }), expect: [{ at: "string id" }] },
    ],
    near: [event("A", { sinks: ['table: "T.A"'], body: '  string id = 1 [(evt.v1.field) = { column_type: "VARCHAR(64)" }];\n  int64 n = 2 [(evt.v1.field) = { column_type: "NUMBER(38,0)" }];' })],
  },
  EVT_COLUMN_COLLISION: {
    trips: [
      { proto: event("A", { sinks: ['table: "T.A"'], body: '  string id = 1 [(evt.v1.field) = { column: "B" }];\n  string b = 2;' }), expect: [{ at: "string b" }] },
      {
        proto: event("A", { sinks: ['table: "T.A" flatten_nested: true'], body: "  string id = 1;\n  P p = 2;\n  string p__x = 3;" }) + "message P { string x = 1; }\n",
        expect: [{ at: "string p__x" }],
      },
    ],
    near: [
      event("A", { sinks: ['table: "T.A"'], body: '  string id = 1 [(evt.v1.field) = { column: "B2" }];\n  string b = 2;' }) +
        event("B", { sinks: ['table: "T.B"'], body: "  string id = 1;\n  P p = 2;\n  string p_x = 3;" }) +
        "message P { string x = 1; }\n",
    ],
  },
  EVT_RESERVED_COLUMN: {
    trips: [
      { proto: event("A", { sinks: ['table: "T.A"'], body: "  string id = 1;\n  string select = 2;" }), expect: [{ at: "string select" }] },
      { proto: event("A", { sinks: ['table: "T.A"'], body: '  string id = 1 [(evt.v1.field) = { column: "EVT_TOPIC" }];' }), expect: [{ at: "string id" }] },
      // Generate refuses a column that is not UPPER_SNAKE, so lint does too.
      { proto: event("A", { sinks: ['table: "T.A"'], body: '  string id = 1;\n  double v = 2 [(evt.v1.field) = { column: "speed" }];' }), expect: [{ at: "double v" }] },
      { proto: event("A", { sinks: ['table: "T.A"'], body: '  string id = 1 [(evt.v1.field) = { column: "X\\"; DROP TABLE T.A; --" }];' }), expect: [{ at: "string id" }] },
    ],
    near: [event("A", { sinks: ['table: "T.A"'], body: '  string id = 1 [(evt.v1.field) = { column: "TOPIC_NAME" }];\n  string selected = 2;' })],
  },
  EVT_SINK_TABLE_NAME: {
    trips: [
      { proto: event("A", { sinks: ['table: "orders"'] }), expect: [{ at: "sink:" }] },
      { proto: event("A", { sinks: ['table: "T.A"', 'table: "orders.placed"'] }), expect: [{ at: "sink:", nth: 1 }] },
    ],
    near: [event("A", { sinks: ['table: "ORDERS.PLACED"', 'table: "ORDERS_RAW.PLACED_V1"'] })],
  },
  EVT_SINK_TABLE_DUPLICATE: {
    trips: [{ proto: event("A", { sinks: ['table: "T.X"'] }) + event("B", { sinks: ['table: "T.X"'] }), expect: [{ at: "sink:", nth: 1 }] }],
    near: [event("A", { sinks: ['table: "T.X"'] }) + event("B", { sinks: ['table: "T.Y"'] })],
  },
  EVT_SINK_ON_NON_EVENT: {
    trips: [
      // EVT_TOPIC_MISSING fires too; this rule points at the sink.
      { proto: event("A", { topic: null, sinks: ['table: "T.A"'] }), expect: [{ at: "sink:" }] },
      {
        proto: event("A", { sinks: ['table: "T.A"'], body: "  string id = 1;\n  Meta meta = 2;" }) + 'message Meta { string tag = 1 [(evt.v1.field) = { column: "TAG" }]; }\n',
        expect: [{ at: "string tag", severity: "warning" }],
      },
    ],
    near: [
      event("A", { sinks: ['table: "T.A" flatten_nested: true'], body: "  string id = 1;\n  Meta meta = 2;" }) +
        'message Meta { string tag = 1 [(evt.v1.field) = { column: "TAG" }]; }\n',
    ],
  },
  EVT_UPSERT_WITHOUT_KEY: {
    trips: [
      { proto: event("A", { sinks: ['table: "T.A" mode: UPSERT'] }), expect: [{ at: "sink:" }] },
      // The key is inside a VARIANT column unless the sink flattens nested messages.
      {
        proto: event("A", { key: "ref.id", sinks: ['table: "T.A" mode: UPSERT'], body: "  Ref ref = 1 [(evt.v1.field) = { required: true }];" }) + "message Ref { string id = 1; }\n",
        expect: [{ at: "sink:" }],
      },
    ],
    near: [
      event("A", { key: "id", sinks: ['table: "T.A" mode: UPSERT'] }),
      event("B", { key: "ref.id", sinks: ['table: "T.B" mode: UPSERT flatten_nested: true'], body: "  Ref ref = 1 [(evt.v1.field) = { required: true }];" }) + "message Ref { string id = 1; }\n",
    ],
  },
  EVT_SINK_CLUSTER_COLUMN: {
    trips: [{ proto: event("A", { sinks: ['table: "T.A" cluster_by: ["STORE"]'], body: "  string id = 1;\n  int64 store_id = 2;" }), expect: [{ at: "sink:" }] }],
    near: [event("A", { sinks: ['table: "T.A" cluster_by: ["STORE_ID", "EVT_EVENT_TIME"]'], body: "  string id = 1;\n  int64 store_id = 2;" })],
  },
  EVT_KEY_MAY_BE_UNSET: {
    trips: [
      { proto: event("A", { key: "id", body: "  optional string id = 1;" }), expect: [{ at: OPT }] },
      { proto: event("A", { key: "user_id", body: "  oneof who {\n    string user_id = 1;\n    string device_id = 2;\n  }" }), expect: [{ at: OPT }] },
      { proto: event("A", { key: "ref.id", body: "  Ref ref = 1;" }) + "message Ref { string id = 1; }\n", expect: [{ at: OPT }] },
    ],
    near: [
      event("A", { key: "id", body: "  optional string id = 1 [(evt.v1.field) = { required: true }];" }) +
        event("B", { key: "ref.id", body: "  Ref ref = 1 [(evt.v1.field) = { required: true }];" }) +
        "message Ref { string id = 1; }\n",
    ],
  },
  EVT_KEY_PII: {
    trips: [
      { proto: event("A", { key: "email", body: '  string email = 1 [(evt.v1.field) = { pii: PERSONAL }];' }), expect: [{ at: OPT }] },
      {
        proto: event("A", { key: "who.id", body: '  Who who = 1 [(evt.v1.field) = { required: true pii: SENSITIVE }];' }) + "message Who { string id = 1; }\n",
        expect: [{ at: OPT }],
      },
    ],
    near: [event("A", { key: "id", body: '  string id = 1 [(evt.v1.field) = { pii: NONE }];\n  string email = 2 [(evt.v1.field) = { pii: PERSONAL }];' })],
  },
};
