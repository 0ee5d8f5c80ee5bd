/**
 * Confluent Schema Registry's protobuf compatibility examples (confluentinc/schema-registry at
 * CONFLUENT_COMMIT: diff-schema-examples*.json and the schema pairs of SchemaDiffTest /
 * ProtobufSchemaTest, extracted by scripts/extract-compat-suites.ts). Each pair has Confluent's
 * BACKWARD verdict; evt in BACKWARD mode (wire layer) must give the same verdict, except the cases
 * listed below, where evt is right on the binary format or proto3 JSON (docs/compat-rules.md,
 * "Where evt and Confluent disagree").
 */
import { describe, expect, it } from "vitest";
import { checkCompat } from "../../../compiler/rules/compat/check.js";
import { COMPAT_RULES } from "../../../compiler/rules/compat/registry.js";
import { CONFLUENT_COMMIT, catalogOfDir, suites } from "./suite-helpers.js";

const WIRE = COMPAT_RULES.filter((r) => r.layer === "wire");

/** Case id prefix → why evt's verdict differs from Confluent's, and is right. */
export const CONFLUENT_DISAGREEMENTS: Readonly<Record<string, { readonly evt: "breaking" | "compatible"; readonly why: string }>> = {
  "diff-schema-examples.json#7 ": { evt: "breaking", why: "a field deleted without reserving its number and name: a later field may reuse them, and older data then reads as the new field" },
  "diff-schema-examples.json#9 ": { evt: "breaking", why: "a changed field number is a deletion without reservation (and an addition): the old number may be reused" },
  "diff-schema-examples.json#11 ": { evt: "breaking", why: "string → bytes: JSON writes bytes as base64, so older JSON text no longer reads back as the same value" },
  "diff-schema-examples.json#13 ": { evt: "breaking", why: "enum → int32: JSON writes enum values as names, which an int32 reader rejects" },
  "diff-schema-examples.json#16 ": { evt: "breaking", why: "an enum value renamed: JSON carries the name, so older JSON text names a value the new reader does not know" },
  "diff-schema-examples.json#29 ": { evt: "breaking", why: "optional → repeated (message): JSON writes a single value, which does not parse as an array" },
  "diff-schema-examples.json#30 ": { evt: "breaking", why: "optional → repeated (string): JSON writes a single value, which does not parse as an array" },
  "diff-schema-examples.json#31 ": { evt: "breaking", why: "optional → repeated (bytes): JSON writes a single value, which does not parse as an array" },
  "diff-schema-examples.json#37 ": { evt: "compatible", why: "a message moved into an imported file and package with identical structure: neither the bytes nor the JSON text carry message names (Confluent accepts the reverse move, #38)" },
};

const all = suites().confluent;
const allowed = (id: string): (typeof CONFLUENT_DISAGREEMENTS)[string] | undefined =>
  Object.entries(CONFLUENT_DISAGREEMENTS).find(([prefix]) => id.startsWith(prefix))?.[1];

describe(`Confluent's protobuf compatibility examples (confluentinc/schema-registry@${CONFLUENT_COMMIT.slice(0, 12)})`, () => {
  it("has the cases it had when pinned", () => {
    expect(all.length).toBe(59);
  });

  it.each(all.map((c) => [c.id, c] as const))("%s", async (_id, c) => {
    const [before, after] = await Promise.all([catalogOfDir(c.original.dir), catalogOfDir(c.update.dir)]);
    const findings = checkCompat({ before, after }, { mode: "BACKWARD", rules: WIRE }).filter((f) => f.severity === "error");
    const evt = findings.length === 0 ? "compatible" : "breaking";
    const expected = allowed(c.id)?.evt ?? (c.compatible ? "compatible" : "breaking");
    expect(evt, findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId} ${f.message}`).join("\n")).toBe(expected);
  });

  it("lists no disagreement that is not one (every entry contradicts Confluent and names an existing case)", () => {
    for (const [prefix, d] of Object.entries(CONFLUENT_DISAGREEMENTS)) {
      const c = all.find((x) => x.id.startsWith(prefix));
      expect(c, prefix).toBeDefined();
      expect(c!.compatible ? "compatible" : "breaking", prefix).not.toBe(d.evt);
    }
  });
});
