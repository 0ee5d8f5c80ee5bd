/**
 * A Prometheus histogram fed with bucket counts already tallied elsewhere (the processor runner's
 * per-batch `processor.handled_batch`, runtime/kafka/handled-tally.ts): prom-client's Histogram
 * only takes one `observe` per value, which would hash and validate the label object per event.
 * Kept in plain numbers per label value and handed to prom-client's Registry as a metric object
 * of the shape it formats (`get()` → name, help, type, values with `metricName`).
 */
import type { Registry } from "./prom.js";

interface Cell { readonly labels: Record<string, string>; readonly counts: number[]; sum: number; count: number }

/** A histogram with one label; `add(value, counts, sum, count)` adds a tally of observations. */
export class AggregatedHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly cells = new Map<string, Cell>();

  constructor(readonly name: string, readonly help: string, private readonly label: string, private readonly buckets: readonly number[], registry: Registry) {
    registry.registerMetric(this as never);
  }

  /**
   * Adds `count` observations summing to `sum`: `counts[i]` fell in bucket i (above bound i−1, at
   * most bound i), `counts[buckets.length]` above every bound.
   */
  add(labelValue: string, counts: readonly number[], sum: number, count: number): void {
    let c = this.cells.get(labelValue);
    if (!c) this.cells.set(labelValue, (c = { labels: { [this.label]: labelValue }, counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) c.counts[i]! += counts[i] ?? 0;
    c.sum += sum;
    c.count += count;
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
