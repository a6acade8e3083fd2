// Simulated runs are deterministic: the same seed gives the same trace files byte for byte; another
// seed changes the interleaving of the messages (not only ids and names).
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import def from '../scenarios/node-failure.scenario.ts';
import { runScenario } from '../scenarios/runner/run.ts';
import { TraceOutput } from '../scenarios/trace-output.ts';

/** Runs node-failure with a seed; returns its trace files' contents and the id-free message order. */
async function run(seed: number) {
  const trace = new TraceOutput();
  const r = await runScenario(def, { seed, trace });
  const dir = mkdtempSync(join(tmpdir(), 'kubus-det-'));
  try {
    trace.write(dir, def.name);
    const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    // Who sent what kind of message to whom, in order: the interleaving, without uids, names or span ids.
    const order = trace.trace().spans.map((s) => `${s.from}>${s.to.join(',')} ${s.kind}`);
    return { r, files, order };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('scenario determinism - the same seed gives identical trace files; another seed another interleaving', async (t) => {
  const a = await run(7);
  const b = await run(7);
  const c = await run(8);
  t.true(a.r.ok && b.r.ok && c.r.ok);
  t.deepEqual(Object.keys(a.files).sort(), ['node-failure.chrome.json', 'node-failure.mmd', 'node-failure.otlp.json', 'node-failure.trace.txt']);
  for (const f of Object.keys(a.files)) t.true(a.files[f] === b.files[f], `${f} is identical for seed 7`);
  t.true(a.files['node-failure.mmd'].length > 1000);
  t.is(a.r.messages, b.r.messages);
  t.notDeepEqual(a.order, c.order, 'seed 8 delivers in another order');
  const firstDiff = a.order.findIndex((x, i) => x !== c.order[i]);
  t.log(`seed 7 vs 8: ${a.order.length} vs ${c.order.length} messages; first difference at #${firstDiff}: "${a.order[firstDiff]}" vs "${c.order[firstDiff]}"`);
});
