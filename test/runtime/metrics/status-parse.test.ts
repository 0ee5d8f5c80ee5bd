/** Small pieces of `evt status` and the config that feeds it: --since, the sink config's slo, evt.yaml metrics.port. */
import { describe, expect, it } from "vitest";
import { parseSince } from "../../../cli/commands/status.js";
import { parseConfig } from "../../../compiler/config/load-config.js";
import { parseSinkConfig } from "../../../runtime/sinks/config.js";
import { generatedConfig } from "../../integration/fixtures/sink-setup.js";

describe("evt status inputs", () => {
  it("reads --since as a duration or an RFC 3339 time, and names a bad value", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(parseSince("30m", now)).toBe(now - 30 * 60_000);
    expect(parseSince("2d", now)).toBe(now - 2 * 86_400_000);
    expect(parseSince("2026-01-01T11:00:00Z", now)).toBe(now - 3_600_000);
    expect(() => parseSince("soon", now)).toThrow("--since soon: not a duration (30m, 6h, 2d) or an RFC 3339 time");
    expect(() => parseSince("2027-01-01T00:00:00Z", now)).toThrow("is not in the past");
  });

  it("carries the contract's slo in the generated sink config and rejects a negative objective", () => {
    const placed = generatedConfig.sinks.find((s) => s.name === "ORDERS.ORDER_PLACED")!;
    expect(placed.slo).toEqual({ freshnessMinutes: 15, maxRejectRate: 0.001, minEventsPerHour: 100 });
    expect(generatedConfig.sinks.find((s) => s.name === "ORDERS.ORDER_STATUS_LATEST")!.slo).toBeUndefined();
    const raw = JSON.parse(JSON.stringify(generatedConfig)) as { sinks: { slo?: unknown }[] };
    raw.sinks[0]!.slo = { freshnessMinutes: -1 };
    expect(() => parseSinkConfig(raw)).toThrow(/slo\.freshnessMinutes: must be a number ≥ 0/);
  });

  it("reads metrics.port from evt.yaml", () => {
    expect(parseConfig("metrics:\n  port: 9464\n", "evt.yaml", "/x").metrics).toEqual({ port: 9464 });
    expect(parseConfig("", "evt.yaml", "/x").metrics).toBeUndefined();
    expect(() => parseConfig("metrics:\n  port: -3\n", "evt.yaml", "/x")).toThrow();
  });
});
