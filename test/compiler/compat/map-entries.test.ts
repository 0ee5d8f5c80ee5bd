/**
 * Granularity of map changes (docs/compat-rules.md, "Map fields"): buf reports a map key or value
 * change on the generated entry message (`Field "2" with name "value" on message "CountsEntry"`)
 * at the map field's declaration; evt reports it once on the map field itself, naming both map
 * types, at the same character, so editor and GitHub annotations land where buf's do.
 */
import { describe, expect, it } from "vitest";
import { runBuf } from "../../../compiler/load/buf-build.js";
import { loadCatalog } from "../../../compiler/model/build-catalog.js";
import { checkCompat } from "../../../compiler/rules/compat/check.js";
import { writeProtoTree } from "../../helpers/compile-proto.js";

const BEFORE = `syntax = "proto3";
package m;
message M {
  map<string, int32> counts = 1;
  map<string, string> names = 2;
  map<string, int32> same = 3;
}
`;
const AFTER = `syntax = "proto3";
package m;
message M {
  map<string, sint32> counts = 1;
  map<int32, string> names = 2;
  map<string, int32> same = 3;
}
`;

describe("map fields", () => {
  it("are reported on the map field, at the character buf reports their entry message's field", async () => {
    const before = writeProtoTree({ "m.proto": BEFORE }, { vocabulary: false });
    const after = writeProtoTree({ "m.proto": AFTER }, { vocabulary: false });
    const res = await runBuf(["breaking", ".", "--against", before, "--config", JSON.stringify({ version: "v2", breaking: { use: ["WIRE_JSON"] } }), "--error-format", "json"], after);
    const buf = res.stdout.toString().trim().split("\n").map((l) => JSON.parse(l) as { path: string; start_line: number; start_column: number; message: string });
    expect(buf.map((b) => b.message)).toEqual([expect.stringContaining('on message "CountsEntry"'), expect.stringContaining('on message "NamesEntry"')]);

    const [b, a] = await Promise.all([loadCatalog(before, ""), loadCatalog(after, "")]);
    const ours = checkCompat({ before: b.catalog, after: a.catalog }, { mode: "FULL" }).filter((f) => f.layer === "wire");
    expect(ours.map((f) => `${f.file}:${f.line}:${f.column} ${f.element}`)).toEqual(buf.map((x, i) => `${x.path}:${x.start_line}:${x.start_column} m.M.${["counts", "names"][i]}`));
    expect(ours[0]!.message).toContain('from "map<string, int32>" to "map<string, sint32>"');
  });
});
