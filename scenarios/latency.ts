// Latency distributions for scenario figures (pod startup p50/p99), on hdr-histogram-js.
import * as hdr from 'hdr-histogram-js';

/** Records durations (ms, kept to the microsecond) and answers percentiles. */
export class Latencies {
  private readonly h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 24 * 3600 * 1_000_000, numberOfSignificantValueDigits: 3 });

  /** Adds one duration in ms. */
  record(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** Returns the p-th percentile in ms. */
  percentile(p: number): number {
    return this.h.getValueAtPercentile(p) / 1000;
  }

  get count(): number {
    return this.h.totalCount;
  }
}
