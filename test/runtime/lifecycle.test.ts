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
