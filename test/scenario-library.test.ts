// The scenario library: every script in scenarios/ passes in simulated mode (scale-out scaled down).
// How long each takes is a figure of `npm run bench -- scenarios`, not a check here.
import test from 'ava';
import { join } from 'node:path';
import { listScenarios, loadScenario } from '../scenarios/load.ts';
import { summary } from '../scenarios/report.ts';
import { runScenario } from '../scenarios/runner/run.ts';
import { scaleOut } from '../scenarios/scale-out.scenario.ts';
import { ROOT } from './helpers/proc.ts';

const DIR = join(ROOT, 'scenarios');
const library = (await listScenarios(DIR)).filter((s) => !s.tags.includes('scale'));

test('scenario library - the library holds the scenarios the issue asks for, none broken', (t) => {
  const names = library.map((s) => s.name);
  for (const n of ['pod lifecycle', 'crash-loop backoff', 'unschedulable until a node joins', 'node failure', 'rolling update under a node failure', 'daemonset on joining nodes', 'control-plane failover'])
    t.true(names.includes(n), n);
  t.deepEqual(library.filter((s) => s.tags.includes('broken')), []);
});

for (const entry of library) {
  test(`scenario library - ${entry.name} passes in simulated mode`, async (t) => {
    const { def } = await loadScenario(entry.file);
    const r = await runScenario(def, { file: entry.file });
    t.log(summary(r).split('\n')[0]);
    t.true(r.ok, summary(r));
    t.true(r.expectations.length >= 3, 'it checks something');
  });
}

test('scenario library - scale-out, scaled down to 100 nodes and 3,000 pods, reports its figures', async (t) => {
  const r = await runScenario(scaleOut(100, 3000));
  t.true(r.ok, summary(r));
  const figure = (name: string) => r.metrics.find((m) => m.name === name)?.value;
  for (const name of ['time to all Running (cluster)', 'time to all Running (real)', 'pod startup p50 (cluster)', 'pod startup p99 (cluster)', 'pod startup p50 (real)', 'pod startup p99 (real)'])
    t.true(figure(name)! > 0, name);
  t.true(figure('pod startup p99 (real)')! >= figure('pod startup p50 (real)')!);
  t.log(r.metrics.map((m) => `${m.name}: ${m.value.toFixed(3)} ${m.unit}`).join('\n'));
});

test('scenario library - steady hour: 100 nodes and 300 pods for an hour of cluster time, nothing drifts', async (t) => {
  const { def } = await loadScenario(join(DIR, 'steady-hour.scenario.ts'));
  const r = await runScenario(def);
  t.true(r.ok, summary(r));
  t.is(r.clusterMs >= 3_600_000, true, 'an hour of cluster time passed');
  t.log(summary(r).split('\n')[0]);
});
