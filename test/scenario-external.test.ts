// External processes in real scenarios (s.external): a @kubernetes/client-node script reaches the
// scenario's gateway through KUBECONFIG and creates a ConfigMap the scenario then sees; a process
// still running at the end is stopped with its process group, whether the run passed or failed;
// simulated mode refuses the step.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { findNatsServer } from '../runtime/nats-server.ts';
import { scenario } from '../scenarios/dsl.ts';
import { runScenario } from '../scenarios/runner/run.ts';
import type { ProgressEvent } from '../scenarios/types.ts';

const nats = findNatsServer() ? test : test.skip;
/** Where the scripts live: the scenario's folder, which s.external() runs them in. */
const FILE = join(import.meta.dirname, 'fixtures', 'external', 'external.scenario.ts');

const exists = (api: { get(r: string, n: string, s: { namespace: string }): Promise<unknown> }, name: string) => async () =>
  !!(await api.get('configmaps', name, { namespace: 'default' }).catch(() => undefined));

/** True while a process of this pid runs (a zombie has ended: in a container nobody may reap an orphan). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** A scenario: a script that creates `made-outside` and exits, then an "operator" that stays running (its pids written to `pids`). */
const withOperator = (pids: string, failAtEnd: boolean) =>
  // ×5: a bound of 2m is 24 s of real time for a node process that loads @kubernetes/client-node (at ×20, 6 s
  // were too few in a CI run at load ~14 on 2 cores); the run takes as long as its processes, not its bounds.
  scenario('external client', { nodes: 1, modes: ['real'], timeScale: 5 }, async (s) => {
    s.step('a client-node script creates a ConfigMap');
    const once = await s.external({ name: 'create-cm', command: process.execPath, args: ['create-configmap.mjs', 'made-outside'] });
    await s.until('the script exited with code 0', () => ({ ok: once.exitCode === 0, seen: `exit code ${once.exitCode}` }), { within: '2m' });
    await s.until('ConfigMap made-outside exists', exists(s.api, 'made-outside'), { within: '1m' });
    s.step('an operator that stays');
    const op = await s.external({ name: 'operator', command: process.execPath, args: ['create-configmap.mjs', 'made-by-operator', '--stay'], env: { PIDS_FILE: pids } });
    await s.until('the operator created its ConfigMap', exists(s.api, 'made-by-operator'), { within: '2m' });
    // Its output arrives on its own time: the ConfigMap can be seen before the script hears back.
    await s.until('the operator says it stays', () => ({ ok: op.output().includes('staying until stopped'), seen: op.output() }), { within: '1m' });
    await s.expect('the operator still runs', () => ({ ok: op.exitCode === undefined, seen: `exit code ${op.exitCode}` }));
    if (failAtEnd) throw new Error('failing on purpose, the operator still running');
  });

for (const failAtEnd of [false, true]) {
  nats(`scenario external - a client-node script creates a ConfigMap through the gateway; the runner stops a process still running (${failAtEnd ? 'run failed' : 'run passed'})`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kubus-external-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const pids = join(dir, 'pids');
    const lines: string[] = [];
    const report = await runScenario(withOperator(pids, failAtEnd), { mode: 'real', file: FILE, progress: (e: ProgressEvent) => lines.push(e.text) });
    t.is(report.ok, !failAtEnd, JSON.stringify(report, null, 1));
    if (failAtEnd) t.regex(report.error?.message ?? '', /failing on purpose/);
    t.true(report.expectations.filter((e) => e.kind !== 'always').every((e) => e.ok), JSON.stringify(report.expectations, null, 1));
    // Its output is in the run's log, labelled, and says it reached the gateway over HTTP.
    t.true(lines.some((l) => /^create-cm\| created configmap made-outside via http:\/\/127\.0\.0\.1:\d+$/.test(l)), lines.join('\n'));
    t.true(lines.includes('create-cm exited with code 0'), lines.join('\n'));
    t.true(lines.includes('operator| staying until stopped'), lines.join('\n'));
    // The operator and the child it started were stopped with their process group when the run ended.
    const [leader, child] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    t.false(alive(leader), 'the operator is gone');
    t.false(alive(child), "the operator's own child is gone");
  });
}

test('scenario external - simulated mode refuses s.external() and says why', async (t) => {
  const def = scenario('external in sim', { nodes: 1 }, async (s) => {
    await s.external({ command: process.execPath, args: ['-e', '0'] });
  });
  const report = await runScenario(def, { mode: 'simulated' });
  t.false(report.ok);
  t.regex(report.error?.message ?? '', /^ExternalProcessError: s\.external\(node\) needs real mode \(--real\)/);
});
