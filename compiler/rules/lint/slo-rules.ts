/** SLOs (`EventOptions.slo`): values that can be measured, on events whose sinks measure them. */
import type { LintRule } from "./rule.js";

export const sloRange: LintRule = {
  id: "EVT_SLO_RANGE",
  category: "SLO",
  severity: "error",
  doc: "Checks that an SLO's reject rate is a share between 0 and 1 and that it sets at least one objective.",
  check: (catalog) =>
    catalog.events.flatMap((e) => {
      const slo = e.slo;
      if (!slo) return [];
      const hit = (message: string, severity?: "warning") => ({ position: slo.position, element: e.fullName, message, ...(severity ? { severity } : {}) });
      if (!Number.isFinite(slo.maxRejectRate) || slo.maxRejectRate < 0 || slo.maxRejectRate >= 1) {
        return [hit(`event ${e.fullName}: slo.max_reject_rate ${slo.maxRejectRate} is not a share in [0, 1) (0.01 = 1 %; 0 = no objective)`)];
      }
      if (slo.freshnessMinutes === 0 && slo.maxRejectRate === 0 && slo.minEventsPerHour === 0) {
        return [hit(`event ${e.fullName}: slo sets no objective (freshness_minutes, max_reject_rate and min_events_per_hour are all 0)`, "warning")];
      }
      return [];
    }),
};

export const sloWithoutSink: LintRule = {
  id: "EVT_SLO_WITHOUT_SINK",
  category: "SLO",
  severity: "error",
  doc: "Checks that an event with an SLO has a sink: its sinks' metrics and tables are what the SLO is measured on.",
  check: (catalog) =>
    catalog.events
      .filter((e) => e.slo && e.sinks.length === 0)
      .map((e) => ({ position: e.slo!.position, element: e.fullName, message: `event ${e.fullName} has an slo but no sink to measure it on (add a sink or remove the slo)` })),
};
