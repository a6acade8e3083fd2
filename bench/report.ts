// Prints benchmark figures beside their budget (DESIGN §8) and the upstream anchor, with the ratio.

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The kubus budget from DESIGN §8, if there is one. */
  budget?: number;
  /** True when bigger is better (throughput); false for latencies. */
  higherIsBetter: boolean;
  /** Free text: the upstream anchor this compares with, e.g. "scheduler_perf floor 270 pods/s". */
  anchor?: string;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));

/** Returns value/budget oriented so that ≥ 1 means "within budget". */
export function ratio(f: Figure): number | undefined {
  if (f.budget === undefined || f.value === 0) return undefined;
  return f.higherIsBetter ? f.value / f.budget : f.budget / f.value;
}

/** Prints one table of figures; returns true when every budgeted figure is within budget. */
export function report(title: string, figures: Figure[]): boolean {
  console.log(`\n${title}`);
  const rows = figures.map((f) => {
    const r = ratio(f);
    return [
      f.name,
      `${fmt(f.value)} ${f.unit}`,
      f.budget === undefined ? '-' : `${f.higherIsBetter ? '≥' : '≤'} ${fmt(f.budget)} ${f.unit}`,
      r === undefined ? '-' : `${r.toFixed(2)}x ${r >= 1 ? 'ok' : 'MISS'}`,
      f.anchor ?? '',
    ];
  });
  const head = ['figure', 'measured', 'budget', 'ratio', 'anchor'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  return figures.every((f) => (ratio(f) ?? 1) >= 1);
}

/** Returns the median of numbers (for repeated runs on a noisy machine). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Returns the value after `--name` on the command line (a number when `def` is one), or `def`. */
export function arg(name: string, def: number): number;
export function arg(name: string, def: string): string;
export function arg(name: string, def: number | string): number | string {
  const i = process.argv.indexOf(`--${name}`);
  if (i <= 0) return def;
  return typeof def === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
