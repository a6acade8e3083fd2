// Metrics do not disturb a simulation: a scenario run twice with one seed gives identical trace files
// with every component's metrics on, and the counters (on the virtual clock) move identically too.
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import def from '../scenarios/node-failure.scenario.ts';
import { runScenario } from '../scenarios/runner/run.ts';
import { TraceOutput } from '../scenarios/trace-output.ts';
import { processExposition } from '../actors/lib/metrics-registry.ts';
import { parseExposition, type Sample } from './helpers/prom-text.ts';

/** Counters and virtual-clock histograms: what a deterministic run must reproduce exactly. */
const DETERMINISTIC = /^(apiserver_request_total|scheduler_schedule_attempts_total|workqueue_(adds|retries)_total|workqueue_(queue|work)_duration_seconds_(sum|count)|kubelet_pod_start_duration_seconds_(sum|count))$/;

const counters = async () => {
  const out = new Map<string, number>();
  for (const s of parseExposition(await processExposition()).samples.filter((x: Sample) => DETERMINISTIC.test(x.name)))
    out.set(`${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`, s.value);
  return out;
};
const delta = (a: Map<string, number>, b: Map<string, number>) =>
  // Rounded: a sum's delta over a larger base differs in its last bits.
  Object.fromEntries([...b].map(([k, v]) => [k, Math.round((v - (a.get(k) ?? 0)) * 1e9) / 1e9]).filter(([, d]) => d !== 0));

async function run(seed: number) {
  const before = await counters();
  const trace = new TraceOutput();
  const r = await runScenario(def, { seed, trace });
  const moved = delta(before, await counters());
  const dir = mkdtempSync(join(tmpdir(), 'kubus-prom-det-'));
  try {
    trace.write(dir, def.name);
    return { r, moved, files: Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')])) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('prom determinism - node-failure twice with one seed: identical traces with metrics on, and identical counter deltas', async (t) => {
  const a = await run(7);
  const b = await run(7);
  t.true(a.r.ok && b.r.ok);
  for (const f of Object.keys(a.files)) t.true(a.files[f] === b.files[f], `${f} is identical`);
  t.true(Object.keys(a.moved).some((k) => k.startsWith('scheduler_schedule_attempts_total')), 'the scheduler counted its attempts');
  t.true(Object.keys(a.moved).some((k) => k.startsWith('workqueue_adds_total')), 'the controllers counted their adds');
  t.deepEqual(a.moved, b.moved);
});
