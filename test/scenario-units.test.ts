// The scenario runner's small parts: durations, subject patterns, fault rules, node specs,
// manifests, NATS frame splitting (the real-mode relay), replicas, cache comparison, and the DSL's errors.
import test from 'ava';
import { seededRng } from '../bus/random.ts';
import { scenario, isScenario } from '../scenarios/dsl.ts';
import { formatDuration, toMs } from '../scenarios/duration.ts';
import { FaultPlan, HEARTBEAT_PATTERNS, subjectMatches } from '../scenarios/faults.ts';
import { toObjects } from '../scenarios/manifests.ts';
import { parseTaint, resolveNodes } from '../scenarios/nodes.ts';
import { FrameSplitter } from '../scenarios/runner/relay.ts';
import { clusterTimings } from '../scenarios/runner/run.ts';
import { componentOf, replicaNames, resolveReplicas } from '../scenarios/replicas.ts';
import { members } from '../scenarios/runner/driver.ts';
import { cacheDiff } from '../scenarios/consistency.ts';
import type { KubeObject } from '../api/meta.ts';

test('scenario units - durations in Go syntax', (t) => {
  t.is(toMs('30s'), 30_000);
  t.is(toMs('1h30m'), 5_400_000);
  t.is(toMs(250), 250);
  t.throws(() => toMs('5 minutes'), { name: 'DurationError', message: /invalid duration "5 minutes"/ });
  t.is(formatDuration(312_345), '5m12.3s');
  t.is(formatDuration(800), '800ms');
});

test('scenario units - subject patterns match as NATS does', (t) => {
  t.true(subjectMatches('a.*.c', 'a.b.c'));
  t.false(subjectMatches('a.*', 'a.b.c'));
  t.true(subjectMatches('a.>', 'a.b.c'));
  t.false(subjectMatches('a.>', 'a'));
  t.true(subjectMatches('>', 'x'));
  t.true(HEARTBEAT_PATTERNS.some((p) => subjectMatches(p, HEARTBEAT_PATTERNS[0])));
});

test('scenario units - fault rules: fractions, ends, stages, lifting', (t) => {
  const plan = new FaultPlan(seededRng(1));
  t.true(plan.empty);
  const h = plan.add({ pattern: 'a.>', action: 'drop', fraction: 0.5 });
  let dropped = 0;
  for (let i = 0; i < 1000; i++) if (plan.drop('a.b', 'x', 'y')) dropped++;
  t.true(dropped > 400 && dropped < 600, `${dropped}`);
  h.stop();
  t.false(plan.drop('a.b', 'x', 'y'));
  plan.add({ pattern: 'a.b', action: 'drop', fraction: 1, from: 'node-1' });
  t.true(plan.drop('a.b', 'node-1', 'apiserver'));
  t.false(plan.drop('a.b', 'node-2', 'apiserver'));
  t.true(plan.drop('a.b', 'node-1', undefined, 'send'), 'a sender-side rule applies where the sender sends');
  t.false(plan.drop('a.b', undefined, 'node-1', 'receive'), 'and not again where it is received');
  plan.add({ pattern: 'w.>', action: 'delay', delayMs: 2000, to: 'node-3' });
  t.is(plan.delayMs('w.x', undefined, 'node-3', 'receive'), 2000);
  t.is(plan.delayMs('w.x', undefined, 'node-4', 'receive'), 0);
  t.throws(() => plan.add({ pattern: 'a', action: 'drop', fraction: 2 }), { name: 'FaultSpecError' });
});

test('scenario units - nodes from a count, groups and named specs', (t) => {
  t.deepEqual(resolveNodes(2).map((n) => n.name), ['node-0', 'node-1']);
  const nodes = resolveNodes([{ prefix: 'gpu', count: 2, taints: ['dedicated=gpu:NoSchedule'] }, { name: 'big', capacity: { cpu: '64' } }, { count: 1 }]);
  t.deepEqual(nodes.map((n) => [n.name, n.index]), [['gpu-0', 0], ['gpu-1', 1], ['big', 2], ['node-0', 3]]);
  t.deepEqual(nodes[0].taints, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
  t.deepEqual(parseTaint('k:NoExecute'), { key: 'k', effect: 'NoExecute' });
  t.throws(() => resolveNodes([{ name: 'a' }, { name: 'a' }]), { message: /declared twice/ });
  t.throws(() => parseTaint('k=v:Sometimes'), { name: 'NodeSpecError' });
});

test('scenario units - manifests from objects, YAML text and files', (t) => {
  t.is(toObjects({ kind: 'Pod', metadata: { name: 'a' } })[0].metadata.name, 'a');
  const two = toObjects('kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n');
  t.deepEqual(two.map((o) => o.metadata.name), ['a', 'b']);
  t.is(toObjects('examples/deployment.yaml').at(-1)!.kind, 'Deployment');
  t.throws(() => toObjects('missing.yaml'), { name: 'ManifestError', message: /not found/ });
  t.throws(() => toObjects({ metadata: {} }), { message: /no kind/ });
});

test('scenario units - real-mode timings are upstream defaults divided by the time scale', (t) => {
  t.like(clusterTimings({}, 1), { leaseDurationSeconds: 40, gracePeriodMs: 50_000, monitorPeriodMs: 5_000, evictionQPS: 0.1 });
  t.like(clusterTimings({}, 10), { leaseDurationSeconds: 4, gracePeriodMs: 5_000, monitorPeriodMs: 500, evictionQPS: 1 });
  t.like(clusterTimings({ kubelet: { leaseDuration: '20s' } }, 40), { leaseDurationSeconds: 1 });
});

test('scenario units - the relay splits NATS frames across chunk boundaries', (t) => {
  const s = new FrameSplitter();
  const bytes = Buffer.from('PING\r\nMSG a.b 1 5\r\nhello\r\nHMSG c.d 2 _INBOX.x 12 14\r\nNATS/1.0\r\n\r\nhi\r\n+OK\r\n');
  const out: Array<string | undefined> = [];
  for (let i = 0; i < bytes.length; i += 7) for (const f of s.push(bytes.subarray(i, i + 7))) out.push(f.subject ?? f.frame.toString().trim());
  t.deepEqual(out, ['PING', 'a.b', 'c.d', '+OK']);
});

test('scenario units - scenario() needs a body; isScenario checks the shape', (t) => {
  const d = scenario('x', async () => undefined);
  t.true(isScenario(d));
  t.deepEqual(d.options, {});
  t.false(isScenario({ name: 'x' }));
  t.throws(() => scenario('x', {} as never), { name: 'TypeError' });
});

test('scenario units - replicas: counts checked, names per replica, components from names', (t) => {
  const r = resolveReplicas({ scheduler: 2 });
  t.deepEqual(r, { apiserver: 1, scheduler: 2, 'controller-manager': 1 });
  t.deepEqual(members(r).map(([, n]) => n), ['apiserver', 'scheduler-0', 'scheduler-1', 'controller-manager']);
  t.deepEqual(replicaNames('controller-manager', 3), ['controller-manager-0', 'controller-manager-1', 'controller-manager-2']);
  t.deepEqual(replicaNames('scheduler', 1), ['scheduler'], 'one replica keeps the component name');
  t.is(componentOf('scheduler-1'), 'scheduler');
  t.is(componentOf('controller-manager'), 'controller-manager');
  t.is(componentOf('apiserver-0'), 'apiserver', 'API servers are replicated on a shared store');
  t.deepEqual(members(resolveReplicas({ apiserver: 3 })).map(([, n]) => n), ['apiserver-0', 'apiserver-1', 'apiserver-2', 'scheduler', 'controller-manager']);
  t.is(componentOf('node-1'), undefined);
  t.throws(() => resolveReplicas({ scheduler: 0 }), { name: 'ReplicaSpecError', message: /from 1 to 5/ });
  t.throws(() => resolveReplicas({ scheduler: 1.5 }), { name: 'ReplicaSpecError' });
  t.throws(() => resolveReplicas({ apiserver: 6 }), { name: 'ReplicaSpecError', message: /from 1 to 5/ });
  t.throws(() => resolveReplicas({ gateway: 2 } as never), { name: 'ReplicaSpecError', message: /can't be replicated/ });
});

test('scenario units - leader election timings are upstream defaults divided by the time scale', (t) => {
  t.deepEqual(clusterTimings({}, 1).election, { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
  t.deepEqual(clusterTimings({}, 10).election, { leaseDurationMs: 1_500, renewDeadlineMs: 1_000, retryPeriodMs: 200 });
  t.deepEqual(clusterTimings({ leaderElection: { leaseDuration: '30s' } }, 15).election, { leaseDurationMs: 2_000, renewDeadlineMs: 10_000 / 15, retryPeriodMs: 2_000 / 15 });
});

test('scenario units - cacheDiff names objects missing, stale or gone', (t) => {
  const o = (name: string, rv: string, namespace = 'default') => ({ kind: 'Pod', metadata: { name, namespace, resourceVersion: rv } }) as KubeObject;
  t.deepEqual(cacheDiff([o('a', '5'), o('b', '7')], [o('a', '5'), o('b', '7')]), []);
  t.deepEqual(cacheDiff([o('a', '5'), o('gone', '3')], [o('a', '6'), o('new', '9')]), [
    'default/a cached at rv 5, listed at 6',
    'default/new missing from the cache',
    'default/gone cached but gone from the API',
  ]);
  t.deepEqual(cacheDiff([o('a', '1', 'x')], [o('a', '1', 'y')]).length, 2, 'the namespace is part of the key');
});
