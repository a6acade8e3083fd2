// What a run costs the machine: resident memory (RSS, peak and now) and CPU seconds of this process.
// Simulated mode runs the whole cluster in this process, so the figures are the cluster's (and the
// runner's); real mode runs only the runner here (the driver process), and the figures' names say so.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Mode } from './types.ts';

const MB = 1024 * 1024;

/** One reading of this process's memory. */
export interface MemorySample {
  /** Cluster time of the reading (ms). */
  at: number;
  rssMB: number;
  heapUsedMB: number;
  /**
   * What V8's young generation holds in memory (its spaces' physical size). It is part of RSS, and
   * grows in steps towards its limit (the simulation's 128 MB semi-spaces) as V8 sees survivors,
   * so RSS without it is the figure that says whether anything lasting grows.
   */
  youngMB: number;
}

/** A figure as `s.metric` takes it. */
export interface UsageFigure {
  name: string;
  value: number;
  unit: string;
}

let fullGc: (() => void) | undefined;

/** Runs a full garbage collection (exposing V8's `gc` once when node runs without --expose-gc), so a reading measures what is live, not where the last collection happened to fall. */
export function collectGarbage(): void {
  if (!fullGc) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (!exposed) setFlagsFromString('--expose-gc');
    fullGc = exposed ?? (runInNewContext('gc') as () => void);
  }
  fullGc();
}

/** Returns this process's memory now; with `collect`, after a full garbage collection (a growth figure without it measures V8's heap sawing between collections, not a leak). */
export function memoryNow(at: number, opts: { collect?: boolean } = {}): MemorySample {
  if (opts.collect) collectGarbage();
  const m = process.memoryUsage();
  let young = 0;
  for (const space of getHeapSpaceStatistics()) if (space.space_name.startsWith('new_')) young += space.physical_space_size;
  return { at, rssMB: m.rss / MB, heapUsedMB: m.heapUsed / MB, youngMB: young / MB };
}

/** Measures CPU and memory from its creation on. */
export class ProcessUsage {
  private readonly cpu0 = process.cpuUsage();
  private readonly real0 = performance.now();

  constructor(private readonly mode: Mode) {}

  /** Real mode: the figures are the runner's alone (the driver process), and their names say so. */
  private get whose(): string {
    return this.mode === 'real' ? ' (driver process)' : '';
  }

  /** CPU seconds (user + system) since creation. */
  cpuSeconds(): number {
    const d = process.cpuUsage(this.cpu0);
    return (d.user + d.system) / 1e6;
  }

  /** Returns what the process used since creation: CPU seconds, resident memory now and at its peak (the process's lifetime peak, MB). */
  totals(): { cpuSeconds: number; rssPeakMB: number; rssEndMB: number } {
    // maxRSS is in kilobytes.
    return { cpuSeconds: this.cpuSeconds(), rssPeakMB: Math.round(process.resourceUsage().maxRSS / 1024), rssEndMB: Math.round(process.memoryUsage().rss / MB) };
  }

  /** Returns the figures: RSS now and at its peak (the process's lifetime peak), CPU seconds since creation and share of a core; `span` names that stretch (`to all Running`). */
  figures(span = ''): UsageFigure[] {
    const cpuName = (what: string) => `${what}${span ? ` ${span}` : ''}${this.whose}`;
    const { cpuSeconds: cpu, rssPeakMB, rssEndMB } = this.totals();
    const realS = (performance.now() - this.real0) / 1000;
    return [
      { name: `resident memory at end${this.whose}`, value: rssEndMB, unit: 'MB' },
      { name: `resident memory peak${this.whose}`, value: rssPeakMB, unit: 'MB' },
      { name: cpuName('CPU time'), value: Math.round(cpu * 100) / 100, unit: 's' },
      { name: cpuName('CPU per real second'), value: realS > 0 ? Math.round((cpu / realS) * 1000) / 10 : 0, unit: '% of a core' },
    ];
  }
}

/**
 * Returns the growth (%, one decimal) of RSS (or what `of` reads from a sample) from the first sample
 * at or after `fromMs` to the last sample; undefined without two such samples (or a base of no
 * memory), so "not measured" never reads as "flat".
 */
export function growthPercent(samples: MemorySample[], fromMs: number, of: (s: MemorySample) => number = (s) => s.rssMB): number | undefined {
  const base = samples.find((s) => s.at >= fromMs);
  const last = samples[samples.length - 1];
  if (!base || !last || base === last || of(base) <= 0) return undefined;
  return Math.round(((of(last) - of(base)) / of(base)) * 1000) / 10;
}
