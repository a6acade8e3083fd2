// Reports: progress lines while a scenario runs, the pass/fail summary at the end, and JSON.
import { formatDuration } from './duration.ts';
import type { ExpectationResult, ProgressEvent, RunReport } from './types.ts';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const real = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

/** Returns one progress line: cluster time, real time, and what happened. */
export function progressLine(e: ProgressEvent): string {
  const mark = e.kind === 'step' ? '▸ ' : e.kind === 'action' ? '  · ' : '  ';
  return `  ${lpad(formatDuration(e.at), 9)} ${lpad(real(e.realAt), 8)}  ${mark}${e.text}`;
}

/** Returns the header printed before a run. */
export function runHeader(name: string, file: string | undefined, mode: string, seed: number, timeScale: number): string {
  const how = mode === 'real' ? `real (time scale ${timeScale})` : `simulated, seed ${seed}`;
  return `▶ ${name}${file ? ` (${file})` : ''} — ${how}\n  ${lpad('cluster', 9)} ${lpad('real', 8)}`;
}

/** The run's CPU and memory (real mode: the runner's process alone). */
function cost(r: RunReport): string {
  if (!r.usage) return '';
  const u = r.usage;
  return `; CPU ${u.cpuSeconds.toFixed(1)} s, resident memory peak ${u.rssPeakMB.toLocaleString('en-US')} MB${r.mode === 'real' ? ' (driver process)' : ''}`;
}

function when(r: ExpectationResult): string {
  if (r.kind === 'always') return r.ok ? `from ${formatDuration(r.at)}` : `broken at ${formatDuration(r.brokenAt ?? r.at)}`;
  return `at ${formatDuration(r.at)}`;
}

/** Returns the summary: one line per expectation (which, when, why), figures, the verdict and the seed. */
export function summary(r: RunReport): string {
  const out: string[] = [];
  const verdict = r.ok ? 'PASSED' : 'FAILED';
  const msgs = r.messages !== undefined ? `, ${r.messages.toLocaleString('en-US')} messages` : '';
  out.push(`${verdict}: ${r.name} — ${formatDuration(r.clusterMs)} of cluster time in ${real(r.realMs)} real; ${r.mode}${r.mode === 'real' ? ` ×${r.timeScale}` : ''}, seed ${r.seed}${msgs}${cost(r)}`);
  const params = Object.entries(r.params ?? {});
  if (params.length) out.push(`  parameters: ${params.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const width = Math.min(60, Math.max(20, ...r.expectations.map((e) => e.description.length)));
  for (const e of r.expectations) {
    out.push(`  ${e.ok ? '✓' : '✗'} ${pad(e.kind, 10)} ${pad(e.description, width)}  ${pad(when(e), 18)} [${e.step}]`);
    if (!e.ok && e.message) out.push(`      why: ${e.message}`);
    else if (!e.ok && e.seen?.length) out.push(`      saw: ${e.seen.join('; ')}`);
  }
  if (r.error) out.push(`  ✗ the run stopped in step "${r.error.step}" at ${formatDuration(r.error.at)}: ${r.error.message}`);
  if (r.metrics.length) {
    out.push('  figures:');
    const w = Math.max(40, ...r.metrics.map((m) => m.name.length));
    for (const m of r.metrics) out.push(`    ${pad(m.name, w)} ${lpad(Number.isInteger(m.value) ? String(m.value) : m.value.toFixed(3), 12)} ${m.unit}`);
  }
  if (r.traceFiles?.length) out.push(`  trace: ${r.traceFiles.join(', ')}`);
  if (!r.ok) {
    const failed = r.expectations.filter((e) => !e.ok).length;
    out.push(`  ${failed} of ${r.expectations.length} expectation(s) failed${r.error ? ' and the run stopped early' : ''}; seed ${r.seed}`);
    if (r.mode === 'simulated') out.push(`  replay: kubus scenario run ${r.file ?? '<file>'} --seed ${r.seed}`);
  }
  return out.join('\n');
}

/** Returns the machine-readable report of several runs. */
export function jsonReport(runs: RunReport[]): string {
  return JSON.stringify({ ok: runs.every((r) => r.ok), runs }, null, 2) + '\n';
}
