/**
 * The Java class names evt writes into Flink tables and Kafka Connect configs against what protoc
 * really generates (Maven Central's protoc, the version matched to Flink's protobuf-java): tricky
 * file names (digits, dashes, a message named like the outer class) and the example catalog's jar.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { javaClassName } from "../../compiler/emit/java/class-names.js";
import { ensureContractsJar, ensureFlink, flinkHome } from "../../compiler/processors/flink-jvm.js";
import { compileProto, REPO_ROOT } from "../helpers/compile-proto.js";

const event = (name: string, topic: string): string =>
  `message ${name} {\n  option (evt.v1.event) = { topic: "${topic}" owner: "team-a" };\n  string id = 1;\n}\n`;
const FILES: Record<string, string> = {
  "t/v1/page_views2go.proto": `syntax = "proto3";\npackage t.v1;\nimport "evt/v1/options.proto";\n${event("Viewed", "t.viewed.v1")}message Outer { message Inner { string x = 1; } }\n`,
  "t/v1/order_placed.proto": `syntax = "proto3";\npackage t.v1;\nimport "evt/v1/options.proto";\n${event("OrderPlaced", "t.order_placed.v1")}`,
  "t/v1/v1beta_events.proto": `syntax = "proto3";\npackage t.v1;\nimport "evt/v1/options.proto";\n${event("Beta", "t.beta.v1")}`,
};

function classesIn(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? classesIn(path.join(dir, d.name), `${prefix}${d.name}.`) : d.name.endsWith(".java") ? [`${prefix}${d.name.slice(0, -5)}`] : [],
  );
}

describe("JVM class names of the contracts (real protoc)", () => {
  const home = flinkHome();
  // a fresh machine fetches Flink (~140 MB from Maven Central) here, once for every flink test
  beforeAll(() => ensureFlink(home), 900_000);

  it("match protoc's outer-class naming for tricky file names", async () => {
    const { catalog, dir } = await compileProto(FILES);
    const out = mkdtempSync(path.join(tmpdir(), "evt-protoc-"));
    const include = mkdtempSync(path.join(tmpdir(), "evt-wkt-"));
    // the well-known types' .proto files ship inside protobuf-java (jar: the JDK's, always there with javac)
    execFileSync("jar", ["xf", path.join(home.cache, "libs", "protobuf-java-4.32.1.jar")], { cwd: include });
    execFileSync(path.join(home.cache, "bin", "protoc"), [`-I${dir}`, `-I${include}`, `--java_out=${out}`, ...Object.keys(FILES), "evt/v1/options.proto"], { cwd: dir });
    const outers = new Set(classesIn(out));
    for (const e of catalog.events) {
      const names = Object.values(catalog.messages).filter((m) => m.file === e.file && !m.fullName.slice(m.package.length + 1).includes(".")).map((m) => m.name);
      const outer = javaClassName(e, names).split("$")[0]!;
      expect(outers, `${e.file}: ${outer} among ${[...outers].join(", ")}`).toContain(outer);
    }
    // the cases that need protoc's rules: a letter after a digit is capitalised; a clash adds OuterClass
    expect([...outers]).toEqual(expect.arrayContaining(["t.v1.PageViews2Go", "t.v1.OrderPlacedOuterClass", "t.v1.V1BetaEvents"]));
  }, 300_000);

  it("name classes that exist in the example catalog's jar (Flink tables and Kafka Connect configs)", () => {
    const jar = ensureContractsJar(home, path.join(REPO_ROOT, "generated", "java", "pom.xml"), path.join(REPO_ROOT, "proto"));
    expect(existsSync(jar)).toBe(true);
    const entries = new Set(execFileSync("jar", ["tf", jar], { encoding: "utf8" }).split("\n"));
    const named = new Set<string>();
    const dir = path.join(REPO_ROOT, "generated");
    for (const f of readdirSync(path.join(dir, "sinks", "kafka-connect"))) {
      named.add((JSON.parse(readFileSync(path.join(dir, "sinks", "kafka-connect", f), "utf8")) as { config: Record<string, string> }).config["value.converter.protoClassName"]!);
    }
    for (const f of readdirSync(path.join(dir, "flink", "tables"))) {
      named.add(/'protobuf\.message-class-name' = '([^']+)'/.exec(readFileSync(path.join(dir, "flink", "tables", f), "utf8"))![1]!);
    }
    expect(named.size).toBeGreaterThanOrEqual(16);
    for (const c of named) expect(entries, c).toContain(`${c.replace(/\./g, "/")}.class`);
  }, 300_000);
});
