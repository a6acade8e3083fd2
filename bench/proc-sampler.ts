// CPU (share of a core) and resident memory of named processes over a window, from /proc.
import { usage } from './real-nodes.ts';

/** One process's use over a window: CPU as a share of one core, RSS at the end and the peak seen. */
export interface ProcUse {
  name: string;
  cpuPct: number;
  rssMiB: number;
  peakRssMiB: number;
}

/** Samples a set of processes: `begin()` marks the start of a window, `sample()` tracks peak RSS, `end()` returns the use. */
export class ProcSampler {
  private start = new Map<string, number>();
  private peak = new Map<string, number>();
  private t0 = 0;
  constructor(private readonly procs: Array<{ name: string; pid: number }>) {}

  /** Starts a window now. */
  begin(): void {
    this.t0 = performance.now();
    this.peak.clear();
    for (const p of this.procs) this.start.set(p.name, read(p.pid).cpuMs);
    this.sample();
  }

  /** Records each process's RSS now (peaks); call it every second or so. */
  sample(): void {
    for (const p of this.procs) this.peak.set(p.name, Math.max(this.peak.get(p.name) ?? 0, read(p.pid).rssBytes));
  }

  /** Ends the window: returns each process's CPU and RSS over it. */
  end(): ProcUse[] {
    this.sample();
    const secs = (performance.now() - this.t0) / 1000;
    return this.procs.map((p) => {
      const u = read(p.pid);
      return { name: p.name, cpuPct: (u.cpuMs - this.start.get(p.name)!) / 10 / secs, rssMiB: u.rssBytes / 2 ** 20, peakRssMiB: this.peak.get(p.name)! / 2 ** 20 };
    });
  }
}

/** A process's usage; zero once it is gone (a child that died is reported by its exit, not here). */
function read(pid: number): { cpuMs: number; rssBytes: number } {
  try {
    return usage(pid);
  } catch {
    return { cpuMs: 0, rssBytes: 0 };
  }
}

/** Returns one line per process: `name cpu% rss`, for progress output. */
export const formatUse = (xs: ProcUse[]) => xs.map((x) => `${x.name} ${x.cpuPct.toFixed(1)}% ${Math.round(x.rssMiB)} MiB`).join(', ');
