import { expect, it } from "vitest";
import { completion, onStopSignal } from "../../runtime/lifecycle.js";

it("calls stop once on the first SIGTERM and removes its handlers", async () => {
  const before = process.listenerCount("SIGTERM");
  const seen: string[] = [];
  onStopSignal((s) => seen.push(s));
  expect(process.listenerCount("SIGTERM")).toBe(before + 1);
  expect(process.listenerCount("SIGINT")).toBeGreaterThan(0);
  process.kill(process.pid, "SIGTERM");
  await new Promise((r) => setTimeout(r, 50));
  expect(seen).toEqual(["SIGTERM"]);
  expect(process.listenerCount("SIGTERM")).toBe(before);
});

it("the returned function removes the handlers without calling stop", () => {
  const before = process.listenerCount("SIGINT");
  let called = false;
  const remove = onStopSignal(() => (called = true));
  remove();
  expect(process.listenerCount("SIGINT")).toBe(before);
  expect(called).toBe(false);
});

it("completion settles once and never leaves an unhandled rejection", async () => {
  const c = completion();
  c.reject(new Error("crashed"));
  c.resolve();
  await expect(c.done).rejects.toThrow("crashed");
});

it("stopControl: a stop request aborts stopSignal at once and cancelSignal after the grace period, naming the phase", async () => {
  const { stopControl, Phase } = await import("../../runtime/lifecycle.js");
  const phase = new Phase();
  const stop = stopControl({ graceMs: 50, phase });
  phase.set("retrying write batch");
  stop.request("SIGTERM");
  expect(stop.stopSignal.aborted).toBe(true);
  expect(stop.cancelSignal.aborted).toBe(false);
  const e = await stop.expired;
  expect(stop.cancelSignal.aborted).toBe(true);
  expect(e.name).toBe("StopTimeoutError");
  expect(e.message).toContain("stop requested (SIGTERM) but not finished within the 50 ms grace period while retrying write batch");
  stop.dispose();
});

it("stopControl: a second signal cancels at once", async () => {
  const { stopControl } = await import("../../runtime/lifecycle.js");
  const stop = stopControl({ graceMs: 60_000, signals: true });
  process.kill(process.pid, "SIGTERM");
  await new Promise((r) => setTimeout(r, 30));
  expect(stop.requested()).toBe("SIGTERM");
  expect(stop.cancelSignal.aborted).toBe(false);
  process.kill(process.pid, "SIGTERM");
  await new Promise((r) => setTimeout(r, 30));
  expect(stop.cancelSignal.aborted).toBe(true);
  stop.dispose();
});
