/** `evt ingest` input errors: one clear line, exit 2, before any network use. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runEvt } from "../helpers/run-cli.js";

const keysFile = (text: string): string => {
  const f = path.join(mkdtempSync(path.join(tmpdir(), "evt-ingest-cli-")), "keys.yaml");
  writeFileSync(f, text);
  return f;
};

describe("evt ingest", () => {
  it("exits 2 without write keys", () => {
    const r = runEvt(["ingest"], { env: { EVT_INGEST_KEYS: "" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no write keys: pass --keys FILE or set EVT_INGEST_KEYS");
  });

  it("exits 2 on a keys file of the wrong shape and on a key that is too short, naming the app, never echoing the key", () => {
    const wrong = runEvt(["ingest", "--keys", keysFile("apps: []\n")]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("expected { keys: [");
    const short = runEvt(["ingest", "--keys", keysFile("keys:\n  - app: web\n    key: sekrit\n"), "--port", "0"]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("write key #1 (web): a write key needs at least 16 characters");
    expect(short.stderr + short.stdout).not.toContain("sekrit");
  });

  it("exits 2 when --topic names a type that is not public", () => {
    const r = runEvt(["ingest", "--keys", keysFile("keys:\n  - app: web\n    key: web-key-0123456789abcdef\n"), "--topic", "payments.v1.PaymentCaptured=x.y"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--topic payments.v1.PaymentCaptured: not a public event of the route table");
  });

  it("documents keys, statuses and shutdown in --help", () => {
    const help = runEvt(["ingest", "--help"]);
    expect(help.code).toBe(0);
    for (const s of ["--keys=FILE", "EVT_INGEST_KEYS", "503", "Retry-After", "SIGTERM", "ingest { public: true }"]) expect(help.stdout.replace(/\s+/g, " ")).toContain(s);
  });
});
