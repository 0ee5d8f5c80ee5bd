/**
 * Issue 9 item 5: lint catches what generate refuses, because both call the same check
 * (model/key-path.ts, warehouse/identifiers.ts, warehouse/sink-table.ts). Every lint fixture is
 * run through both: each line generate refuses carries a lint error, and every near miss (clean
 * for lint) generates.
 */
import { describe, expect, it } from "vitest";
import { isEvtError } from "../../../compiler/errors.js";
import { resolveSinkTables } from "../../../compiler/emit/generate.js";
import { lintCatalog } from "../../../compiler/rules/lint/index.js";
import { compileProto } from "../../helpers/compile-proto.js";
import { generateAll } from "../emit/helpers.js";
import { FILE, HEADER, LINT_FIXTURES } from "./fixtures.js";

async function both(body: string): Promise<{ refused: number[] | undefined; lintErrors: number[] }> {
  const loaded = await compileProto({ [FILE]: HEADER + body });
  const lintErrors = lintCatalog(loaded.catalog).filter((f) => f.severity === "error").map((f) => f.line);
  try {
    // generate's own checks (it refuses lint errors first since issue 10 item 1; this asks the
    // generator's checks themselves, which must agree with lint), then the whole generation
    resolveSinkTables(loaded.catalog, { schemaPrefix: "" });
    if (lintErrors.length === 0) await generateAll(loaded);
    return { refused: undefined, lintErrors };
  } catch (e) {
    if (!isEvtError(e)) throw e;
    return { refused: e.diagnostics.map((d) => d.line), lintErrors };
  }
}

const trips = Object.entries(LINT_FIXTURES).flatMap(([id, f]) => f.trips.map((t, i) => [`${id} #${i}`, t.proto] as const));
const nears = Object.entries(LINT_FIXTURES).flatMap(([id, f]) => f.near.map((n, i) => [`${id} #${i}`, n] as const));

describe("lint and generate agree", () => {
  it.each(trips)("%s: every line generate refuses has a lint error", async (_name, proto) => {
    const { refused, lintErrors } = await both(proto);
    for (const line of refused ?? []) expect(lintErrors).toContain(line);
  });

  it.each(nears)("%s: what lints clean generates", async (_name, proto) => {
    const { refused, lintErrors } = await both(proto);
    expect(lintErrors).toEqual([]);
    expect(refused).toBeUndefined();
  });

  it('column: "speed" and an enum key are refused by both', async () => {
    const speed = await both(`
// A happened.
message A {
  option (evt.v1.event) = { topic: "t.a.v1" owner: "team-a" sink: { table: "T.A" } };
  string id = 1;
  double v = 2 [(evt.v1.field) = { column: "speed" }];
}
`);
    expect(speed.refused).toHaveLength(1);
    expect(speed.lintErrors).toEqual(speed.refused);
    const enumKey = await both(`
// A happened.
message A {
  option (evt.v1.event) = { topic: "t.a.v1" key: "kind" owner: "team-a" };
  Kind kind = 1;
}
enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }
`);
    expect(enumKey.refused).toHaveLength(1);
    expect(enumKey.lintErrors).toEqual(enumKey.refused);
  });
});
