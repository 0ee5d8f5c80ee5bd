import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// DESIGN.md's dependency direction: cli → compiler, cli → runtime, generated → runtime;
// compiler ↛ runtime, runtime ↛ compiler, and the runtime must run in a service that never
// installs the compiler's heavy dependencies.
const COMPILER_ONLY_PACKAGES = ["ts-morph", "@bufbuild/buf", "@bufbuild/protoc-gen-es", "@bufbuild/protoplugin", "@oclif/core", "yaml"];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]!);
  return specs;
}

function resolvedTarget(file: string, spec: string): string {
  return spec.startsWith(".") ? path.relative(process.cwd(), path.resolve(path.dirname(file), spec)) : spec;
}

describe("layering", () => {
  it("the runtime imports neither the compiler nor the compiler's heavy packages", () => {
    const offending = sources("runtime").flatMap((f) =>
      importsOf(f)
        .map((s) => resolvedTarget(f, s))
        .filter((t) => t.startsWith("compiler/") || t.startsWith("cli/") || COMPILER_ONLY_PACKAGES.some((p) => t === p || t.startsWith(`${p}/`)))
        .map((t) => `${f} → ${t}`),
    );
    expect(offending).toEqual([]);
    expect(sources("runtime").length).toBeGreaterThan(5);
  });

  it("the compiler never imports the runtime or the CLI", () => {
    const offending = sources("compiler").flatMap((f) =>
      importsOf(f)
        .map((s) => resolvedTarget(f, s))
        .filter((t) => t.startsWith("runtime/") || t.startsWith("cli/") || t === "kafkajs" || t === "snowflake-sdk")
        .map((t) => `${f} → ${t}`),
    );
    expect(offending).toEqual([]);
  });

  it("the CLI imports the runtime by package name (@evt/runtime), never by relative path", () => {
    // A relative path works in this checkout only: the packed `evt` does not contain runtime/.
    const offending = sources("cli").flatMap((f) =>
      importsOf(f)
        .map((s) => resolvedTarget(f, s))
        .filter((t) => t.startsWith("runtime/"))
        .map((t) => `${f} → ${t} (import "@evt/runtime/…" instead)`),
    );
    expect(offending).toEqual([]);
  });

  it("generated code imports only the runtime (by package name), protobuf-es and other generated modules", () => {
    const offending = sources("generated/ts").flatMap((f) =>
      importsOf(f)
        .map((s) => resolvedTarget(f, s))
        .filter((t) => !(t === "@evt/runtime" || t.startsWith("@bufbuild/protobuf") || t.startsWith("generated/ts/")))
        .map((t) => `${f} → ${t}`),
    );
    expect(offending).toEqual([]);
  });
});
