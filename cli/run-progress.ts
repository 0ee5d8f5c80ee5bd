/**
 * What a person watching `evt run` sees: while starting, what it is doing (connecting, joining —
 * logged when the step changes, and again each interval while it lasts); once consuming, one line
 * per sink every interval: rows/s, records behind, dead letters.
 */
import type { Phase } from "@evt/runtime/lifecycle.js";
import type { RuntimeLogger } from "@evt/runtime/log.js";
import type { SinkRunner } from "@evt/runtime/sinks/sink.js";

export interface Progress {
  attach(sinks: SinkRunner): void;
  stop(): void;
}

export function startProgress(phase: Phase, log: RuntimeLogger, intervalMs: number): Progress {
  let sinks: SinkRunner | undefined;
  let last = { at: Date.now(), rows: new Map<string, number>() };
  let shown = "";
  let since = Date.now();
  // step changes are reported quickly; a step that lasts is reported again every interval
  const stepTimer = setInterval(() => {
    const now = phase.current();
    if (now === "consuming") return;
    if (now !== shown || Date.now() - since >= intervalMs) {
      log.info(`evt run: ${now}`, { phase: now, forMs: now === shown ? Date.now() - since : 0 });
      if (now !== shown) since = Date.now();
      shown = now;
    }
  }, 500);
  stepTimer.unref();
  const summaryTimer = setInterval(() => void summarize(), intervalMs);
  summaryTimer.unref();

  async function summarize(): Promise<void> {
    if (!sinks || phase.current() !== "consuming") return;
    const behind = await sinks.behind().catch(() => undefined);
    const now = Date.now();
    const seconds = Math.max(0.001, (now - last.at) / 1000);
    const rows = new Map<string, number>();
    for (const s of sinks.stats()) {
      rows.set(s.sink, s.rowsWritten);
      const perSecond = Math.round(((s.rowsWritten - (last.rows.get(s.sink) ?? 0)) / seconds) * 10) / 10;
      const b = behind?.filter((p) => p.sink === s.sink).reduce((n, p) => n + p.behind, 0);
      log.info(`${s.sink}: ${perSecond} rows/s, ${b ?? "?"} behind, ${s.deadLettered} dead-lettered`, {
        sink: s.sink, rowsPerSecond: perSecond, behind: b ?? null, deadLettered: s.deadLettered, rowsWritten: s.rowsWritten,
      });
    }
    last = { at: now, rows };
  }

  return {
    attach(runner) {
      sinks = runner;
    },
    stop() {
      clearInterval(stepTimer);
      clearInterval(summaryTimer);
    },
  };
}
