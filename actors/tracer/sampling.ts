// Whole-trace sampling for very large runs: once the recorder holds `threshold` spans it keeps 1 in
// 2 traces, chosen by a hash of the trace id (deterministic: same ids, same choice), drops the held
// spans of the others, and halves again each time the threshold is reached; past `maxRate` it
// switches recording off. Every change is announced, and a sampled trace says so (never silent).
import type { TraceSampling } from './types.ts';

/** Defaults: sample past 200,000 held spans; switch off past 1 in 1,024 traces. */
export const DEFAULT_SAMPLE_THRESHOLD = 200_000;
export const DEFAULT_MAX_SAMPLE_RATE = 1024;

/** Returns a 32-bit FNV-1a hash of a trace id (ids are random hex, but feeds may send anything). */
export function traceHash(traceId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < traceId.length; i++) {
    h ^= traceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Returns one line saying how a trace was sampled (for the console, the logs and the trace files). */
export function samplingText(s: TraceSampling): string {
  const n = s.threshold.toLocaleString('en-US');
  const dropped = `${s.dropped.toLocaleString('en-US')} spans of other traces dropped`;
  if (s.off) return `trace recording switched off after ${n} spans held at 1 in ${s.rate} traces (the sampling limit); what was held is kept, ${dropped}`;
  return `trace sampled past ${n} spans: 1 in ${s.rate} traces kept whole, chosen by trace id; ${dropped}`;
}

/** The sampling state of one recorder: which traces it keeps, and how many spans it dropped. */
export class TraceSampler {
  /** Keep 1 in `rate` traces; a power of two, so each halving keeps a subset of the traces kept before. */
  rate = 1;
  off = false;
  dropped = 0;

  /**
   * @param threshold held spans that start sampling (and each halving after); Infinity: never sample
   * @param maxRate the sparsest sampling; reaching the threshold there switches recording off
   */
  constructor(
    readonly threshold: number = DEFAULT_SAMPLE_THRESHOLD,
    readonly maxRate: number = DEFAULT_MAX_SAMPLE_RATE,
  ) {}

  /** Returns whether spans and notes of this trace are recorded now. */
  keeps(traceId: string): boolean {
    if (this.off) return false;
    return this.rate === 1 || (traceHash(traceId) & (this.rate - 1)) === 0;
  }

  /** Counts a span not recorded (its trace is not sampled, or recording is off). */
  skip(): void {
    this.dropped++;
  }

  /** The threshold was reached: keep half as many traces, or switch off past maxRate. */
  escalate(): void {
    if (this.rate * 2 > this.maxRate) this.off = true;
    else this.rate *= 2;
  }

  /** Returns the sampling so far, or undefined while every span is recorded. */
  state(): TraceSampling | undefined {
    if (this.rate === 1 && !this.off) return undefined;
    return { rate: this.rate, threshold: this.threshold, off: this.off, dropped: this.dropped };
  }
}
