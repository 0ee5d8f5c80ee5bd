/**
 * Prometheus alerting rules from the contracts' SLOs (`EventOptions.slo`), one rule per
 * objective and sink, over the metrics `evt run --metrics-port` serves (runtime/metrics):
 *  - freshness: p99 of the committed batches' newest-event age over 5 m above the objective, or
 *    records waiting while nothing committed for that long (a stalled sink is stale too);
 *  - reject rate: dead-lettered / taken over 1 h above the share;
 *  - volume: records taken over 1 h below the minimum (no series at all counts as 0).
 * The rule labels carry sink, event and owner, so routing does not depend on what an expression keeps.
 */
import { stringify } from "yaml";
import type { SinkTable } from "../../warehouse/sink-table.js";
import { generatedHeader } from "../header.js";

export const ALERT_RULES_PATH = "monitoring/evt-alerts.yaml";

/** How long a breach must last before the alert fires. */
const FOR = "5m";

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function rulesOf(t: SinkTable): Rule[] {
  const slo = t.event.slo;
  if (!slo) return [];
  const sel = `{sink="${t.name}"}`;
  const labels = { severity: "page", sink: t.name, event: t.event.fullName, owner: t.event.owner };
  const rules: Rule[] = [];
  if (slo.freshnessMinutes > 0) {
    const s = slo.freshnessMinutes * 60;
    rules.push({
      alert: "EvtSinkFreshnessSlo",
      expr:
        `histogram_quantile(0.99, sum by (sink, le) (rate(evt_sink_freshness_seconds_bucket${sel}[5m]))) > ${s}` +
        ` or (sum by (sink) (evt_sink_records_behind${sel}) > 0 and on (sink) (time() - max by (sink) (evt_sink_last_commit_timestamp_seconds${sel})) > ${s})`,
      for: FOR,
      labels,
      annotations: {
        summary: `${t.name}: events older than ${slo.freshnessMinutes} min reach the warehouse (or records wait while nothing commits)`,
        description: `SLO of ${t.event.fullName} (${t.event.file}): freshness_minutes ${slo.freshnessMinutes}. Check \`evt status --sink ${t.name}\`.`,
      },
    });
  }
  if (slo.maxRejectRate > 0) {
    rules.push({
      alert: "EvtSinkRejectRateSlo",
      expr: `sum by (sink) (increase(evt_sink_dead_lettered_total${sel}[1h])) / sum by (sink) (increase(evt_sink_records_total${sel}[1h])) > ${slo.maxRejectRate}`,
      for: FOR,
      labels,
      annotations: {
        summary: `${t.name}: more than ${slo.maxRejectRate * 100} % of the last hour's records went to ${t.event.topic}.dlq`,
        description: `SLO of ${t.event.fullName} (${t.event.file}): max_reject_rate ${slo.maxRejectRate}. The reason is in the DLQ headers and in the metric's reason label.`,
      },
    });
  }
  if (slo.minEventsPerHour > 0) {
    rules.push({
      alert: "EvtSinkVolumeSlo",
      expr: `(sum by (sink) (increase(evt_sink_records_total${sel}[1h])) or on () vector(0)) < ${slo.minEventsPerHour}`,
      for: FOR,
      labels,
      annotations: {
        summary: `${t.name}: fewer than ${slo.minEventsPerHour} events in the last hour`,
        description: `SLO of ${t.event.fullName} (${t.event.file}): min_events_per_hour ${slo.minEventsPerHour}. Producers may be down, or the sink is not running.`,
      },
    });
  }
  return rules;
}

/** The rule file; a catalog without SLOs yields an empty group (the file always exists, so its absence is never ambiguous). */
export function emitAlertRules(tables: readonly SinkTable[]): string {
  const rules = [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).flatMap(rulesOf);
  const body = stringify({ groups: [{ name: "evt-slo", rules }] }, { lineWidth: 0, aliasDuplicateObjects: false });
  return `${generatedHeader("#", "the slo options of the contracts")}\n${body}`;
}
