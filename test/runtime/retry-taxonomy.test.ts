/** Issue 9 item 9: one retry function with full jitter, `bail` that rethrows, programmer errors never retried, one taxonomy. */
import { describe, expect, it } from "vitest";
import * as errors from "../../runtime/errors.js";
import { EvtRuntimeError, HandlerError, RUNTIME_ERROR_NAMES, isEvtRuntimeError, isProgrammerError, isRetriable } from "../../runtime/errors.js";
import { backoffDelay, retry } from "../../runtime/retry.js";
import { WarehouseError, classifyDuckdbError } from "../../runtime/warehouse/errors.js";
import { MigrationChecksumError } from "../../runtime/warehouse/migrate.js";
import { RowRejectedError } from "../../runtime/sinks/row-mapping.js";

describe("error taxonomy", () => {
  it("recognises a fatal WarehouseError as a runtime error that is not retriable", () => {
    const fatal = new WarehouseError("duckdb: table missing", "fatal");
    expect(isEvtRuntimeError(fatal)).toBe(true);
    expect(isRetriable(fatal)).toBe(false);
    expect(isRetriable(new WarehouseError("refused", "transient"))).toBe(true);
    expect(isRetriable(classifyDuckdbError(new Error("Catalog Error: Table X does not exist"), "insert"))).toBe(false);
  });

  it("every error class the runtime exports is in the taxonomy, recognised by name", () => {
    const classes = [
      ...Object.values(errors).filter((v): v is typeof EvtRuntimeError => typeof v === "function" && v.prototype instanceof Error),
      WarehouseError, MigrationChecksumError,
    ];
    expect(classes.length).toBeGreaterThan(8);
    for (const C of classes) {
      const e = C === WarehouseError ? new WarehouseError("x", "fatal") : C.name === "RetriesExhaustedError" ? new errors.RetriesExhaustedError(new Error("x"), 1) : new (C as unknown as new (m: string, ...a: unknown[]) => Error)("x", []);
      expect(RUNTIME_ERROR_NAMES.has(e.name), C.name).toBe(true);
      expect(e.name, C.name).toBe(C.name);
      expect(isEvtRuntimeError(e), C.name).toBe(true);
    }
    // the row mapper's rejection is named in the taxonomy too
    expect(RUNTIME_ERROR_NAMES.has(new RowRejectedError("too long").name)).toBe(true);
  });

  it("programmer errors are never retriable, bare or wrapped as a handler's failure", () => {
    for (const e of [new TypeError("x is undefined"), new RangeError("bad"), new ReferenceError("y")]) {
      expect(isProgrammerError(e)).toBe(true);
      expect(isRetriable(e)).toBe(false);
      expect(isRetriable(new HandlerError("processor p failed", { retriable: true, cause: e }))).toBe(false);
    }
    expect(isRetriable(new Error("flaky"))).toBe(true);
    expect(isRetriable(Object.assign(new Error("no"), { retriable: false }))).toBe(false);
  });
});

describe("retry", () => {
  it("uses full jitter: uniform over [0, ceiling], not half-fixed", () => {
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(0);
    expect(backoffDelay(3, 100, 10_000, () => 0.25)).toBe(100);
    expect(backoffDelay(3, 100, 10_000, () => 1)).toBe(400);
    const samples = Array.from({ length: 2000 }, () => backoffDelay(4, 100, 10_000));
    expect(Math.min(...samples)).toBeLessThan(80); // equal jitter would never go below 400
    expect(Math.max(...samples)).toBeLessThanOrEqual(800);
  });

  it("bail rethrows the very error, after one attempt", async () => {
    const mine = new Error("stop here");
    let calls = 0;
    const e = await retry((_n, bail) => { calls++; return bail(mine); }, { retries: 5, initialBackoffMs: 1 }).catch((x: unknown) => x);
    expect(e).toBe(mine);
    expect(calls).toBe(1);
  });

  it("never retries a TypeError, even when shouldRetry says yes", async () => {
    let calls = 0;
    const e = await retry(() => { calls++; throw new TypeError("cannot read properties of undefined"); }, {
      retries: 5, initialBackoffMs: 1, shouldRetry: () => true,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });

  it("retries forever until success with Infinity, and honours a time budget", async () => {
    let calls = 0;
    const out = await retry(() => { if (++calls < 20) throw new Error("flaky"); return calls; }, { retries: Infinity, initialBackoffMs: 1, maxBackoffMs: 2 });
    expect(out).toEqual({ value: 20, attempts: 20 });
    const started = Date.now();
    const e = await retry(() => { throw new Error("down"); }, { retries: Infinity, initialBackoffMs: 50, maxElapsedMs: 300 }).catch((x: unknown) => x);
    expect(errors.isRetriesExhaustedError(e)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
