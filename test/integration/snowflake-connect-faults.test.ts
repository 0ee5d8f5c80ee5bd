/**
 * Issue 10 item 7: an unreachable Snowflake fails `evt ddl apply` within the connect timeout (not
 * after minutes of the driver's silent retries), in one named line, and snowflake-sdk writes no
 * `snowflake.log` into the user's working directory.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/compile-proto.js";
import { runEvt } from "../helpers/run-cli.js";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("Snowflake unreachable", () => {
  it("ddl apply fails within the connect timeout with one named line, and leaves no snowflake.log in the cwd", async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), "evt-sf-unreachable-"));
    const port = await freePort();
    // a user's repository elsewhere: its evt.yaml points at this checkout's generated DDL
    writeFileSync(path.join(cwd, "evt.yaml"), `out: ${path.join(REPO_ROOT, "generated")}\nproto: ${path.join(REPO_ROOT, "proto")}\n`);
    const started = Date.now();
    const res = runEvt(["ddl", "apply", "--target", "snowflake"], {
      cwd,
      env: {
        EVT_SNOWFLAKE_ACCOUNT: "fakesnow", EVT_SNOWFLAKE_USER: "u", EVT_SNOWFLAKE_PASSWORD: "p",
        EVT_SNOWFLAKE_ACCESS_URL: `http://127.0.0.1:${port}`, EVT_SNOWFLAKE_CONNECT_TIMEOUT_MS: "4000",
      },
    });
    const elapsed = Date.now() - started;
    expect(res.code, res.stderr).toBe(2);
    expect(elapsed).toBeLessThan(30_000);
    expect(res.stderr).not.toContain("internal error");
    expect(res.stderr).toMatch(/^error: cannot connect to Snowflake: snowflake: connect: no answer from http:\/\/127\.0\.0\.1:\d+ within 4000 ms/m);
    expect(existsSync(path.join(cwd, "snowflake.log"))).toBe(false);
  });
});
