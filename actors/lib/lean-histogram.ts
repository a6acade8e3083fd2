// A Prometheus histogram for hot paths (every API request, every store write): observing is a bucket
// search into plain arrays, with no label hashing or validation; prom-client's registry reads it at
// scrape time through the metric interface (name, help, type, get) its own metrics implement.
import type { Registry } from 'prom-client';

interface Series {
  labels: Record<string, string>;
  counts: number[];
  sum: number;
  count: number;
}

/** A histogram whose series are keyed by their labels object: pass the same object for the same series. */
export class LeanHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private series = new Map<Record<string, string>, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registers: Registry[],
  ) {
    for (const r of registers) r.registerMetric(this as never);
  }

  /** Counts `value` (seconds) into the series of `labels` (the same object each time). */
  observe(labels: Record<string, string>, value: number): void {
    let s = this.series.get(labels);
    if (!s) this.series.set(labels, (s = { labels, counts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 }));
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** What prom-client's registry formats: cumulative buckets with `le`, then `_sum` and `_count`, per series. */
  async get() {
    const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.series = new Map();
  }
}
