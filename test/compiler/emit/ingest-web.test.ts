/**
 * What `evt generate` emits for ingest: the route table (public events only) and the typed web
 * tracker, which compiles under --strict with no DOM library (browsers and React Native) and
 * accepts only each event's proto3 JSON shape.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../helpers/compile-proto.js";

const catalog = JSON.parse(readFileSync(path.join(REPO_ROOT, "generated/catalog.json"), "utf8")) as { events: { fullName: string; fingerprint: string; ingest?: { public: boolean } }[] };

function tsc(consumer: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "evt-web-tsc-"));
  writeFileSync(path.join(dir, "use.ts"), consumer);
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: "ES2022", lib: ["ES2022"], module: "ESNext", moduleResolution: "Bundler", types: [], skipLibCheck: false },
    files: [path.join(dir, "use.ts")],
  }));
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules/typescript/bin/tsc"), "-p", path.join(dir, "tsconfig.json")], { encoding: "utf8" });
  return (r.stdout + r.stderr).trim();
}

const IMPORT = `import { createTracker } from ${JSON.stringify(path.join(REPO_ROOT, "generated/web/index.js"))};\nconst t = createTracker({ endpoint: "https://c.example", writeKey: "k", source: "web" });\n`;

describe("ingest route table", () => {
  it("lists exactly the public events with their topic, sources and fingerprint", () => {
    const routes = JSON.parse(readFileSync(path.join(REPO_ROOT, "generated/ingest/routes.json"), "utf8"));
    const publicEvents = catalog.events.filter((e) => e.ingest?.public);
    expect(routes.version).toBe(1);
    expect(routes.routes.map((r: { type: string }) => r.type)).toEqual(publicEvents.map((e) => e.fullName));
    expect(routes.routes.map((r: { type: string }) => r.type)).toEqual(["clickstream.v1.ButtonClicked", "clickstream.v1.PageViewed"]);
    for (const r of routes.routes) {
      expect(r.fingerprint).toBe(catalog.events.find((e) => e.fullName === r.type)!.fingerprint);
      expect(r.sources).toEqual(["web", "ios", "android"]);
    }
  });
});

describe("generated web tracker", () => {
  it("compiles under --strict without the DOM library, and a correct call type-checks", () => {
    expect(tsc(`${IMPORT}const id: string = t.pageViewed({ anonymousId: "a", sessionId: "s", pageName: "home", viewedAt: new Date().toISOString(), device: { platform: "PLATFORM_WEB" }, properties: { a: [1, "x", null] } });\nt.buttonClicked({ sessionId: "s", buttonId: "b", clickedAt: "x", listPosition: null });\nvoid id;\n`)).toBe("");
  });

  it("rejects a missing required field, a wrong field type, an unknown field and an unknown enum value at compile time", () => {
    const out = tsc(`${IMPORT}t.pageViewed({ anonymousId: "a", sessionId: "s", viewedAt: "x" });\nt.pageViewed({ anonymousId: "a", sessionId: "s", pageName: 42, viewedAt: "x" });\nt.pageViewed({ anonymousId: "a", sessionId: "s", pageName: "p", viewedAt: "x", nope: 1 });\nt.buttonClicked({ sessionId: "s", buttonId: "b", clickedAt: "x", platform: "PLATFORM_TOASTER" });\n`);
    expect(out).toContain("use.ts(3,");
    expect(out).toMatch(/Property 'pageName' is missing/);
    expect(out).toContain("use.ts(4,");
    expect(out).toContain("use.ts(5,");
    expect(out).toMatch(/'nope' does not exist/);
    expect(out).toContain("use.ts(6,");
  });

  it("has no method for a non-public event (a browser can never publish PaymentCaptured)", () => {
    const events = readFileSync(path.join(REPO_ROOT, "generated/web/events.ts"), "utf8");
    expect(events).not.toContain("PaymentCaptured");
    expect(tsc(`${IMPORT}(t as unknown as { paymentCaptured: unknown }).paymentCaptured;\n// @ts-expect-error not a public event\nt.searchPerformed({});\n`)).toBe("");
  });
});
