// API server replicas in scenarios (replicas: {apiserver: N}) on a shared store: the failover
// scenario simulated (and replayed with its seed) and with --real (3 `kubus control-plane --store
// jetstream` processes on one JetStream nats-server), one replica or all of them killed, and what
// a script gets wrong.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import failover from '../scenarios/api-server-failover.scenario.ts';
import { CreatedObjects } from '../scenarios/consistency.ts';
import { scenario } from '../scenarios/dsl.ts';
import { pod } from '../scenarios/objects.ts';
import { summary } from '../scenarios/report.ts';
import { runScenario } from '../scenarios/runner/run.ts';
import { findNatsServer } from '../runtime/nats-server.ts';
import { runKubus } from './helpers/proc.ts';

const nats = findNatsServer() ? test : test.skip;
const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v: name } }) as KubeObject;

test('scenario apiserver replicas - api-server-failover passes simulated: each replica killed in turn, writes resume at once, nothing acknowledged lost; replays with its seed', async (t) => {
  const a = await runScenario(failover, { seed: 5 });
  t.true(a.ok, summary(a));
  const firstAck = a.metrics.filter((m) => /killed: first acknowledged write/.test(m.name));
  t.deepEqual(firstAck.map((m) => m.name.split(' ')[0]), ['apiserver-0', 'apiserver-1', 'apiserver-2'], 'each replica killed in turn');
  for (const m of firstAck) t.true(m.value <= 5, `${m.name}: ${m.value} s`);
  t.true(a.expectations.some((e) => e.ok && /every acknowledged write is still there \(\d+ ConfigMaps/.test(e.description)));
  t.true(a.metrics.find((m) => m.name === 'writes acknowledged')!.value >= 20);
  const b = await runScenario(failover, { seed: 5 });
  t.deepEqual(b.metrics, a.metrics, 'the same seed replays the same figures');
  t.deepEqual(
    b.expectations.map((e) => [e.description, e.at]),
    a.expectations.map((e) => [e.description, e.at]),
  );
  t.is(b.messages, a.messages);
});

test('scenario apiserver replicas - the shared store keeps the data: crash(apiserver) kills every replica (requests fail), restart brings them back with every write', async (t) => {
  const seen: Record<string, unknown> = {};
  const def = scenario('all replicas', { nodes: 1, replicas: { apiserver: 2 } }, async (s) => {
    seen.replicas = s.replicas('apiserver');
    await s.apply([cm('before-0'), cm('before-1')]);
    await s.crash('apiserver-1');
    await s.apply(cm('while-one-down'));
    await s.crash('apiserver');
    seen.allDown = await s.api.list('configmaps', { namespace: 'default' }).then(
      () => 'answered',
      (err: Error & { code?: number }) => `${err.name} ${err.code}`,
    );
    await s.restart('apiserver');
    await s.expect('every write survived every replica going down', async () => {
      const names = (await s.api.list('configmaps', { namespace: 'default' })).items.map((o) => o.metadata.name).filter((n) => !n!.startsWith('kube-'));
      return names.join(',') === 'before-0,before-1,while-one-down' || { ok: false, seen: names.join(',') };
    });
    await s.apply(pod('after'));
    await s.until('a pod runs after the restart', () => s.pods().running().count() === 1, { within: '1m' });
  });
  const r = await runScenario(def);
  t.true(r.ok, summary(r));
  t.deepEqual(seen.replicas, ['apiserver-0', 'apiserver-1']);
  t.regex(String(seen.allDown), /^StatusError (503|504)$/, 'no API server left to answer');
});

test('scenario apiserver replicas - the lost-write check can fail: an acknowledged object gone after a replica died is named', async (t) => {
  const def = scenario('lost', { nodes: 1, replicas: { apiserver: 3 } }, async (s) => {
    const created = new CreatedObjects();
    created.add(await s.apply([cm('kept'), cm('lost')]));
    await s.crash('apiserver-0');
    // Stands in for a store that dropped an acknowledged write.
    await s.delete('configmap', 'lost');
    await s.expect('every acknowledged write is still there', created.allPresent(s));
  });
  const r = await runScenario(def);
  t.false(r.ok);
  const e = r.expectations.find((x) => x.description === 'every acknowledged write is still there')!;
  t.false(e.ok);
  t.regex(summary(r), /ConfigMap\/default\/lost missing/);
  t.notRegex(summary(r), /default\/kept missing/);
});

test('scenario apiserver replicas - bad counts and names are refused clearly', async (t) => {
  const six = await runScenario(scenario('six', { nodes: 1, replicas: { apiserver: 6 } }, async () => {}));
  t.false(six.ok);
  t.regex(six.error!.message, /replicas.apiserver must be a whole number from 1 to 5, got 6/);
  const wrong = await runScenario(scenario('wrong', { nodes: 1, replicas: { apiserver: 2 } }, async (s) => s.crash('apiserver-7' as never)));
  t.false(wrong.ok);
  t.regex(wrong.error!.message, /"apiserver-7" is not a control-plane component or replica \(apiserver-0, apiserver-1, scheduler, controller-manager\)/);
});

nats('scenario apiserver replicas - api-server-failover passes with --real: 3 API servers on JetStream, each killed -9 in turn', async (t) => {
  const started = Date.now();
  const r = await runKubus(['scenario', 'run', 'scenarios/api-server-failover.scenario.ts', '--real'], { timeoutMs: 300_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /^PASSED: api server failover — .* real ×10/m);
  for (const x of ['apiserver-0', 'apiserver-1', 'apiserver-2']) t.regex(r.stdout, new RegExp(`✓ until +a write is acknowledged again after ${x} died`));
  t.regex(r.stdout, /✓ expect +every acknowledged write is still there/);
  const figures = r.stdout.split('\n').filter((l) => /killed: |writes (acknowledged|failed)/.test(l));
  t.log(figures.join('\n'));
  t.log(`${Date.now() - started} ms`);
});
