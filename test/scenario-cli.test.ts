// `kubus scenario run|list` as a user runs them: progress, the summary, exit codes, --report json,
// --trace files, and the library listing.
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReport } from '../scenarios/types.ts';
import { ROOT, runKubus } from './helpers/proc.ts';

const tmp = (t: { teardown(fn: () => void): void }) => {
  const d = mkdtempSync(join(tmpdir(), 'kubus-scenario-cli-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

test('scenario cli - list shows the library: name, file, tags, description; not the failing one', async (t) => {
  const r = await runKubus(['scenario', 'list']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.regex(lines[0], /^NAME\s+FILE\s+TAGS\s+DESCRIPTION$/);
  t.regex(r.stdout, /node failure\s+scenarios\/node-failure\.scenario\.ts\s+faults,nodes\s+a node dies/);
  t.regex(r.stdout, /crash-loop backoff/);
  t.notRegex(r.stdout, /on purpose/);
  const failing = await runKubus(['scenario', 'list', 'scenarios/failing']);
  t.regex(failing.stdout, /expectation fails on purpose\s+\S+\s+failing-on-purpose/);
});

test('scenario cli - node-failure passes in simulated mode, with progress, a summary and trace files', async (t) => {
  const dir = tmp(t);
  const r = await runKubus(['scenario', 'run', 'scenarios/node-failure.scenario.ts', '--trace', dir]);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /▸ kill node-1/);
  t.regex(r.stdout, /✓ until node-1 Ready=Unknown \(after/);
  t.regex(r.stdout, /^PASSED: node failure — \S+ of cluster time in \S+ real; simulated, seed 1/m);
  t.deepEqual(readdirSync(dir).sort(), ['node-failure.chrome.json', 'node-failure.mmd', 'node-failure.otlp.json', 'node-failure.trace.txt']);
  const mmd = readFileSync(join(dir, 'node-failure.mmd'), 'utf8');
  t.regex(mmd, /^sequenceDiagram/);
  t.regex(mmd, /elided: .*leases/, 'lease renewals');
  const text = readFileSync(join(dir, 'node-failure.trace.txt'), 'utf8');
  const kill = text.indexOf('step kill node-1');
  const renewals = [...text.matchAll(/kubelet\/node-1 → apiserver: update leases lease\/kube-node-lease\/node-1/g)].map((m) => m.index);
  t.true(kill > 0 && renewals.some((i) => i < kill), "node-1's lease renewals before the kill");
  t.false(renewals.some((i) => i > kill), '... and none after it');
  t.regex(mmd, /Note over scenario: step kill node-1/);
  t.regex(mmd, /controller_node_lifecycle->>apiserver: update-status nodes node\/node-1 \(Ready=Unknown\)/, 'the node goes Unknown');
  t.regex(mmd, /->>apiserver: (update|patch) nodes node\/node-1/, 'it is tainted');
  t.regex(mmd, /->>apiserver: delete pods pod\/default\/web-/, 'eviction');
  t.regex(mmd, /->>apiserver: create pods pod\/default\/web-[\s\S]*scheduler->>apiserver: bind pods pod\/default\/web-\S+ \(to node-[02]\)/, 'replacements created and bound');
  const creates = mmd.match(/->>apiserver: create pods pod\/default\/web-/g)?.length ?? 0;
  t.true(creates > 6 && (mmd.match(/controller_replicaset->>apiserver: create pods/g)?.length ?? 0) === creates, 'every create, replacements too, is the ReplicaSet controller\'s');
  JSON.parse(readFileSync(join(dir, 'node-failure.chrome.json'), 'utf8'));
});

test('scenario cli - a failing expectation exits 1 and says which, when and the seed; --report json', async (t) => {
  const r = await runKubus(['scenario', 'run', 'scenarios/failing/expectation-fails.scenario.ts', '--seed', '42', '--report', 'json']);
  t.is(r.code, 1);
  t.regex(r.stderr, /^FAILED: expectation fails on purpose — .* seed 42/m);
  t.regex(r.stderr, /✗ expect\s+4 web pods Running\s+at 10s\s+\[expect one too many\]/);
  t.regex(r.stderr, /why: false when checked; saw pods app=web Running: 3/);
  t.regex(r.stderr, /✗ always\s+at most 2 web pods\s+broken at 10s/);
  t.regex(r.stderr, /"5 web pods Running" not met within 30s .*last seen: pods app=web Running: 3/);
  t.regex(r.stderr, /replay: kubus scenario run scenarios\/failing\/expectation-fails\.scenario\.ts --seed 42/);
  const report = JSON.parse(r.stdout) as { ok: boolean; runs: RunReport[] };
  t.false(report.ok);
  const run = report.runs[0];
  t.is(run.seed, 42);
  const e = run.expectations.find((x) => x.description === '4 web pods Running')!;
  t.like(e, { kind: 'expect', ok: false, step: 'expect one too many' });
  t.true(e.at >= 10_000 && e.at < 11_000, `checked 10 s after the pods ran (${e.at} ms)`);
  t.like(run.error, { step: 'expect one too many', at: e.at + 30_000 });
});

test('scenario cli - a bad file or flag is a one-line error with exit code 1', async (t) => {
  const missing = await runKubus(['scenario', 'run', 'nope.scenario.ts']);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /scenario file "nope.scenario.ts" not found/);
  const notAScenario = await runKubus(['scenario', 'run', 'scenarios/dsl.ts']);
  t.is(notAScenario.code, 1);
  t.regex(notAScenario.stderr, /does not export a scenario/);
  const simOnly = await runKubus(['scenario', 'run', 'scenarios/cronjob-forbid.scenario.ts', '--real']);
  t.is(simOnly.code, 1);
  t.regex(simOnly.stdout, /does not run in real mode/);
  const perProcess = await runKubus(['scenario', 'run', 'scenarios/pod-lifecycle.scenario.ts', '--nodes-per-process', '10']);
  t.is(perProcess.code, 1);
  t.regex(perProcess.stderr, /--nodes-per-process needs --real/);
  const zero = await runKubus(['scenario', 'run', 'scenarios/pod-lifecycle.scenario.ts', '--real', '--nodes-per-process', '0']);
  t.is(zero.code, 1);
  t.regex(zero.stderr, /--nodes-per-process: expected at least 1/);
});

test("scenario cli - a user's scenario outside the repo, importing kubus's scenario modules, runs", async (t) => {
  const file = join(tmp(t), 'mine.scenario.ts');
  writeFileSync(file, `import { scaleOut } from '${join(ROOT, 'scenarios', 'scale-out.scenario.ts')}';\nexport default scaleOut(10, 50);\n`);
  const r = await runKubus(['scenario', 'run', file]);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /^PASSED: scale-out to 10 nodes and 50 pods/m);
  t.regex(r.stdout, /pod startup p99 \(cluster\)\s+\d/);
});
