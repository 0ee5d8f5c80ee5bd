/**
 * runtime/ is the @evt/runtime package that services install alone: every package its sources
 * import is declared in runtime/package.json, the hard dependencies are only what producing and
 * consuming need, and an optional peer is never imported by value at module load (only as types,
 * or through loadOptionalPeer's literal `import("name")` on first use).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

interface RuntimePackage {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
}
const pkg = JSON.parse(readFileSync("runtime/package.json", "utf8")) as RuntimePackage;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "dist" || name === "node_modules") return [];
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

/** `name` of a bare specifier (`@scope/pkg/sub` → `@scope/pkg`); undefined for relative and node: ones. */
function packageOf(spec: string): string | undefined {
  if (spec.startsWith(".") || spec.startsWith("node:")) return undefined;
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function imports(file: string): { spec: string; typeOnly: boolean; dynamic: boolean }[] {
  const text = readFileSync(file, "utf8");
  const out: { spec: string; typeOnly: boolean; dynamic: boolean }[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(import|export)(\s+type)?\s[^;]*?from\s+["']([^"']+)["']/g)) {
    out.push({ spec: m[3]!, typeOnly: m[2] !== undefined, dynamic: false });
  }
  for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false, dynamic: true });
  return out;
}

describe("the @evt/runtime package", () => {
  it("hard-depends only on protobuf-es; the Kafka clients, warehouse drivers, HTTP and metrics are optional peers", () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["@bufbuild/protobuf"]);
    for (const peer of Object.keys(pkg.peerDependencies)) expect(pkg.peerDependenciesMeta[peer]?.optional, peer).toBe(true);
    expect(Object.keys(pkg.peerDependencies)).toEqual(expect.arrayContaining(["@duckdb/node-api", "snowflake-sdk", "kafkajs", "@platformatic/kafka"]));
  });

  it("declares every package its sources import, and loads optional peers only on use", () => {
    const problems: string[] = [];
    for (const file of sources("runtime")) {
      const text = readFileSync(file, "utf8");
      for (const imp of imports(file)) {
        const name = packageOf(imp.spec);
        if (name === undefined || name === "@evt/runtime") continue;
        if (name in pkg.dependencies) continue;
        if (!(name in pkg.peerDependencies)) problems.push(`${file}: imports ${name}, not declared in runtime/package.json`);
        else if (imp.dynamic && !text.includes(`loadOptionalPeer(${JSON.stringify(name)}`)) problems.push(`${file}: loads optional peer ${name} without loadOptionalPeer`);
        else if (!imp.dynamic && !imp.typeOnly) problems.push(`${file}: imports optional peer ${name} at module load (use \`import type\` + loadOptionalPeer)`);
      }
    }
    expect(problems).toEqual([]);
  });
});
