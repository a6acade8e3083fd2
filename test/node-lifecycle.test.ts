// Node lifecycle and taint eviction (DESIGN §4 "Node heartbeats and lifecycle"), on the virtual
// clock, with fake kubelets that renew leases through the API.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { rfc3339, rfc3339Micro } from '../api/names.ts';
import { nodeLifecycleController } from '../actors/controllers/node-lifecycle/node-lifecycle.controller.ts';
import { taintEvictionController } from '../actors/controllers/taint-eviction/taint-eviction.controller.ts';
import { evictionTime } from '../actors/controllers/taint-eviction/taint-eviction.reconcile.ts';
import { zoneState } from '../actors/controllers/node-lifecycle/zones.ts';
import { VirtualClock } from '../bus/clock.ts';
import type { ApiClient } from '../bus/client.ts';
import { startApi, type ApiEnv } from './helpers/api.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

/** A fake kubelet: registers a Ready node and renews its lease every 10 s while alive. */
function fakeKubelet(client: ApiClient, clock: VirtualClock, name: string, labels: Record<string, string> = {}) {
  let alive = true;
  const beat = async () => {
    const now = clock.now();
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: rfc3339Micro(now) } };
    await client.update('leases', lease as KubeObject).catch(() => client.create('leases', lease as KubeObject));
  };
  const ready = async () => {
    const n = await client.get<Node>('nodes', name);
    const now = rfc3339(clock.now());
    const conditions = ['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({ type, status: 'False', reason: 'KubeletHasSufficient', lastHeartbeatTime: now, lastTransitionTime: now }));
    conditions.push({ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now });
    await client.updateStatus('nodes', { ...n, status: { ...n.status, conditions } } as KubeObject);
  };
  const loop = () => {
    if (!alive) return;
    void beat();
    clock.setTimeout(loop, 10_000);
  };
  return {
    async register() {
      await client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } } as KubeObject);
      await ready();
      loop();
    },
    stop: () => (alive = false),
    async revive() {
      alive = true;
      await ready();
      loop();
    },
  };
}

async function cluster(t: Parameters<typeof startApi>[0], nodes: number, input: object = {}) {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.finally(() => (done = true));
    await clock.runUntil(() => done, clock.now() + 10_000);
    return p;
  };
  const kubelets = Array.from({ length: nodes }, (_, i) => fakeKubelet(env.client, clock, `n${i}`, { 'topology.kubernetes.io/zone': 'z1' }));
  for (const k of kubelets) await run(k.register());
  const cm = env.process('controller-manager');
  cm.start(nodeLifecycleController, 'controller/node-lifecycle', input);
  cm.start(taintEvictionController, 'controller/taint-eviction', undefined);
  await clock.advance(1_000);
  return { clock, env, kubelets, run };
}

const get = (env: ApiEnv, run: <R>(p: Promise<R>) => Promise<R>, name: string) => run(env.client.get<Node>('nodes', name));
const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready');
const taintKeys = (n: Node) => (n.spec?.taints ?? []).map((x) => `${x.key}:${x.effect}`).sort();

async function pod(env: ApiEnv, run: <R>(p: Promise<R>) => Promise<R>, name: string, node: string, tolerations?: unknown[]) {
  await run(env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }], ...(tolerations ? { tolerations } : {}) } } as KubeObject));
  await run(env.client.bind('default', name, node));
  const p = await run(env.client.get<Pod>('pods', name, { namespace: 'default' }));
  await run(env.client.updateStatus('pods', { ...p, status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } } as KubeObject));
}

test('node lifecycle - a node silent for the grace period goes Unknown and gets the unreachable taints', async (t) => {
  const { clock, env, kubelets, run } = await cluster(t, 3);
  kubelets[2].stop();
  const lease = await run(env.client.get<KubeObject & { spec: { renewTime: string } }>('leases', 'n2', { namespace: 'kube-node-lease' }));
  const lastRenewal = Date.parse(lease.spec.renewTime);
  await clock.advance(lastRenewal + 49_000 - clock.now());
  t.is(ready(await get(env, run, 'n2'))?.status, 'True', 'not before the grace period (50 s)');
  await clock.advance(12_000);
  const n2 = await get(env, run, 'n2');
  t.like(ready(n2), { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
  t.deepEqual(taintKeys(n2), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
  const went = Date.parse(ready(n2)!.lastTransitionTime!) - lastRenewal;
  // Upstream semantics: the renewal is noticed at the next monitor pass (≤ 5 s), then 50 s of grace, then the next pass.
  t.true(went >= 49_000 && went <= 61_000, `Unknown ${went / 1000} s after the last renewal (grace 50 s, checks every 5 s)`);
  for (const n of ['n0', 'n1']) t.is(ready(await get(env, run, n))?.status, 'True', `${n} stays Ready`);
});

test('node lifecycle - pods tolerate 300 s, then are evicted; 0 s: at once; forever: never', async (t) => {
  const { clock, env, kubelets, run } = await cluster(t, 3);
  await pod(env, run, 'web', 'n2'); // gets the default 300 s tolerations at create
  await pod(env, run, 'strict', 'n2', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }]);
  await pod(env, run, 'daemon', 'n2', [{ operator: 'Exists' }]);
  kubelets[2].stop();
  await clock.advance(61_000);
  const status = async (name: string) => run(env.client.get<Pod>('pods', name, { namespace: 'default' }).then((p) => p, () => undefined));
  t.is((await status('web'))?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False', 'marked not ready');
  t.truthy((await status('strict'))?.metadata.deletionTimestamp, 'tolerationSeconds 0: deleted at once');
  const tainted = Date.parse((await get(env, run, 'n2')).spec!.taints!.find((x) => x.effect === 'NoExecute')!.timeAdded!);
  await clock.advance(tainted + 299_000 - clock.now());
  t.falsy((await status('web'))?.metadata.deletionTimestamp, 'not before 300 s');
  await clock.advance(2_000);
  t.truthy((await status('web'))?.metadata.deletionTimestamp, 'evicted after 300 s');
  await clock.advance(600_000);
  t.falsy((await status('daemon'))?.metadata.deletionTimestamp, 'tolerates forever');
});

test('node lifecycle - a node that comes back is Ready again and its taints are removed', async (t) => {
  const { clock, env, kubelets, run } = await cluster(t, 3);
  kubelets[1].stop();
  await clock.advance(70_000);
  t.is(ready(await get(env, run, 'n1'))?.status, 'Unknown');
  await run(kubelets[1].revive());
  await clock.advance(1_000);
  const n1 = await get(env, run, 'n1');
  t.is(ready(n1)?.status, 'True');
  t.deepEqual(taintKeys(n1), []);
});

test('node lifecycle - NoExecute tainting is rate-limited per zone (0.1 nodes/s)', async (t) => {
  const { clock, env, kubelets, run } = await cluster(t, 10);
  kubelets[0].stop();
  kubelets[1].stop();
  await clock.advance(56_000);
  const noExec = async () => {
    let n = 0;
    for (const k of ['n0', 'n1']) if ((await get(env, run, k)).spec?.taints?.some((x) => x.effect === 'NoExecute')) n++;
    return n;
  };
  t.is(await noExec(), 1, 'one node tainted at once');
  await clock.advance(11_000);
  t.is(await noExec(), 2, 'the next one 10 s later');
});

test('node lifecycle - when every node is down (full disruption) nothing is tainted NoExecute', async (t) => {
  const { clock, env, kubelets, run } = await cluster(t, 3);
  for (const k of kubelets) k.stop();
  await clock.advance(90_000);
  for (const n of ['n0', 'n1', 'n2']) {
    const node = await get(env, run, n);
    t.is(ready(node)?.status, 'Unknown');
    t.false(node.spec?.taints?.some((x) => x.effect === 'NoExecute') ?? false, `${n} has no NoExecute taint`);
  }
});

test('node lifecycle - only the pods of the node that stopped being Ready are marked not ready', async (t) => {
  const { clock, env, kubelets, run } = await cluster(t, 3);
  await pod(env, run, 'on-n1', 'n1');
  await pod(env, run, 'on-n2', 'n2');
  kubelets[2].stop();
  await clock.advance(61_000);
  const readyOf = async (name: string) => (await run(env.client.get<Pod>('pods', name, { namespace: 'default' }))).status?.conditions?.find((c) => c.type === 'Ready')?.status;
  t.is(await readyOf('on-n2'), 'False');
  t.is(await readyOf('on-n1'), 'True', 'a pod of a Ready node is left alone');
});

test('taint eviction - a pod bound to a node already tainted NoExecute goes when its toleration runs out; other nodes are left alone', async (t) => {
  const { clock, env, run } = await cluster(t, 2);
  const n1 = await get(env, run, 'n1');
  const maintenance = { key: 'example.com/maintenance', effect: 'NoExecute', timeAdded: rfc3339(clock.now()) };
  await run(env.client.update('nodes', { ...n1, spec: { ...n1.spec, taints: [maintenance] } } as KubeObject));
  await clock.advance(1_000);
  const tolerate = (seconds: number) => [{ key: 'example.com/maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }];
  await pod(env, run, 'intolerant', 'n1');
  await pod(env, run, 'patient', 'n1', tolerate(30));
  await pod(env, run, 'elsewhere', 'n0');
  await clock.advance(1_000);
  const deleting = async (name: string) => !!(await run(env.client.get<Pod>('pods', name, { namespace: 'default' }))).metadata.deletionTimestamp;
  t.true(await deleting('intolerant'), 'no toleration: evicted as soon as it is bound');
  t.false(await deleting('patient'), 'tolerates for 30 s from the taint');
  await clock.advance(30_000);
  t.true(await deleting('patient'), 'evicted when its toleration ran out');
  t.false(await deleting('elsewhere'), 'pods of untainted nodes stay');
});

test('taint eviction - eviction time is the taint time plus the smallest tolerationSeconds', (t) => {
  const taints = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2026-11-23T10:00:00Z' }];
  const p = (tolerations: unknown[]) => ({ metadata: {}, spec: { containers: [], tolerations } }) as unknown as Pod;
  t.is(evictionTime(p([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { operator: 'Exists', tolerationSeconds: 60 }]), taints, 0), T0 + 60_000);
  t.is(evictionTime(p([{ operator: 'Exists' }]), taints, 5), Infinity);
  t.is(evictionTime(p([]), taints, 5), 5);
});

test('node lifecycle - zone states as upstream', (t) => {
  const n = (status: string) => ({ metadata: {}, status: { conditions: [{ type: 'Ready', status }] } }) as unknown as Node;
  t.is(zoneState([n('False'), n('Unknown')], 0.55), 'FullDisruption');
  t.is(zoneState([n('True'), n('False'), n('False')], 0.55), 'Normal', 'two unready nodes are never partial disruption');
  t.is(zoneState([n('True'), n('False'), n('False'), n('False')], 0.55), 'PartialDisruption');
});
