/**
 * Per-event metrics without prom-client's per-call cost (metrics must not slow the
 * runner by more than 3%). prom-client hashes and validates the label object on every `inc` /
 * `observe` (~0.5 µs each), which the processor runner would pay per event. Here a per-event
 * update is a cached Map lookup and a few additions; prom-client reads the totals when scraped:
 * the counter through its public `collect` hook, the histogram as a metric object of the shape
 * prom-client's Registry formats (`get()` → name, help, type, values with `metricName`).
 */
import { promClient, type Registry } from "./prom.js";

/** A counter incremented per event: totals kept here, handed to prom-client at collect time. */
export function aggregatedCounter(name: string, help: string, labelNames: readonly string[], registry: Registry): (labels: readonly string[]) => { n: number } {
  const cells = new Map<string, { labels: Record<string, string>; n: number; flushed: number }>();
  const { Counter } = promClient();
  new Counter({
    name, help, labelNames: [...labelNames], registers: [registry],
    collect() {
      for (const c of cells.values()) {
        if (c.n > c.flushed) this.inc(c.labels, c.n - c.flushed);
        c.flushed = c.n;
      }
    },
  });
  return (values) => {
    const key = values.join("\u0000");
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { labels: Object.fromEntries(labelNames.map((l, i) => [l, values[i]!])), n: 0, flushed: 0 }));
    return c;
  };
}

interface Cell { readonly labels: Record<string, string>; readonly counts: number[]; sum: number; count: number }

/** A histogram observed per event, with one label; `child(value).observe(seconds)`. */
export class AggregatedHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly cells = new Map<string, Cell>();

  constructor(readonly name: string, readonly help: string, private readonly label: string, private readonly buckets: readonly number[], registry: Registry) {
    registry.registerMetric(this as never);
  }

  observe(labelValue: string, seconds: number): void {
    let c = this.cells.get(labelValue);
    if (!c) this.cells.set(labelValue, (c = { labels: { [this.label]: labelValue }, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 }));
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) {
      if (seconds <= b[i]!) {
        c.counts[i]!++;
        break;
      }
    }
    c.sum += seconds;
    c.count++;
  }

  /** What prom-client's Registry formats: cumulative buckets, +Inf, _sum, _count. */
  async get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const c of this.cells.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += c.counts[i]!;
        values.push({ labels: { le: bound, ...c.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: "+Inf", ...c.labels }, value: c.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...c.labels }, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...c.labels }, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.cells.clear();
  }
}
