// DaemonSet controller (issue 4 item 3) on the virtual clock, with fake nodes: a test-only loop
// that binds pods to the node their affinity names, runs them Ready, and removes deleted ones.
import test, { type ExecutionContext } from 'ava';
import type { ControllerRevision } from '../api/kinds/controllerrevision.ts';
import type { DaemonSet } from '../api/kinds/daemonset.ts';
import type { Node } from '../api/kinds/node.ts';
import type { Pod } from '../api/kinds/pod.ts';
import type { KubeObject } from '../api/meta.ts';
import { rfc3339 } from '../api/names.ts';
import { daemonSetController } from '../actors/controllers/daemonset/daemonset.controller.ts';
import { nodeShouldRunDaemonPod, targetNodeName } from '../actors/controllers/daemonset/daemonset.nodes.ts';
import { computeHash, fnv32, fnv32a } from '../actors/controllers/shared/controller-history.ts';
import { VirtualClock } from '../bus/clock.ts';
import type { ApiClient } from '../bus/client.ts';
import { startApi } from './helpers/api.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

/** Fake kubelets + scheduler: every second, bind pods to their target node, run them Ready after `startMs`, and finish deleted ones. */
function fakeNodes(client: ApiClient, clock: VirtualClock, startMs = 2_000) {
  let alive = true;
  const tick = async () => {
    const now = clock.now();
    const pods = (await client.list<Pod>('pods', { namespace: 'default' })).items;
    for (const p of pods) {
      const ns = { namespace: p.metadata.namespace };
      if (p.metadata.deletionTimestamp) {
        await client.delete('pods', p.metadata.name!, { ...ns, gracePeriodSeconds: 0 }).catch(() => undefined);
        continue;
      }
      if (!p.spec.nodeName) {
        const node = targetNodeName(p);
        if (node) await client.bind('default', p.metadata.name!, node).catch(() => undefined);
        continue;
      }
      const scheduled = Date.parse(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime ?? '');
      if (p.status?.phase === 'Pending' && now - scheduled >= startMs) {
        const at = rfc3339(now);
        const status = { ...p.status, phase: 'Running', conditions: [...(p.status?.conditions ?? []), { type: 'Ready', status: 'True', lastTransitionTime: at }] };
        await client.updateStatus('pods', { ...p, status } as KubeObject).catch(() => undefined);
      }
    }
  };
  const loop = () => {
    if (!alive) return;
    void tick().finally(() => clock.setTimeout(loop, 1_000));
  };
  loop();
  return { stop: () => (alive = false) };
}

const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  spec: taints.length ? { taints } : {},
  status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
});

const daemonSet = (name: string, spec: Record<string, unknown> = {}, image = 'agent:1'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name, namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'agent', image }] } },
    ...spec,
  },
});

async function cluster(t: ExecutionContext, nodes: KubeObject[]) {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = async <R>(p: Promise<R>): Promise<R> => {
    let done = false;
    void p.finally(() => (done = true)).catch(() => undefined);
    await clock.runUntil(() => done, clock.now() + 10_000);
    return p;
  };
  for (const n of nodes) await run(env.client.create('nodes', n));
  const fake = fakeNodes(env.client, clock);
  t.teardown(() => fake.stop());
  env.process('controller-manager').start(daemonSetController, 'controller/daemonset', undefined);
  const pods = async (app: string) =>
    (await run(env.client.list<Pod>('pods', { namespace: 'default', labelSelector: `app=${app}` }))).items.filter((p) => !p.metadata.deletionTimestamp);
  const nodesOf = async (app: string) => (await pods(app)).map((p) => p.spec.nodeName ?? targetNodeName(p)).sort();
  const ds = (name: string) => run(env.client.get<DaemonSet>('daemonsets', name, { namespace: 'default' }));
  return { clock, env, run, pods, nodesOf, ds };
}

test('daemonset - one pod on every eligible node, including a node added later; none on tainted or unselected nodes', async (t) => {
  const { clock, env, run, pods, nodesOf, ds } = await cluster(t, [
    node('n1', { disk: 'ssd' }),
    node('n2', { disk: 'ssd' }),
    node('n3', { disk: 'hdd' }),
    node('n4', { disk: 'ssd' }, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]),
    { ...node('n5', { disk: 'ssd' }), spec: { unschedulable: true } },
  ]);
  await run(env.client.create('daemonsets', daemonSet('agent', { template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'agent', image: 'agent:1' }] } } })));
  await clock.advance(10_000);
  t.deepEqual(await nodesOf('agent'), ['n1', 'n2', 'n5'], 'ssd nodes without untolerated taints; unschedulable is ignored as upstream');
  const st = (await ds('agent')).status!;
  t.like(st, { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, numberAvailable: 3, numberUnavailable: 0, updatedNumberScheduled: 3, numberMisscheduled: 0, observedGeneration: 1 });

  const p = (await pods('agent'))[0];
  t.deepEqual(p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
    { matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName!] }] },
  ]);
  t.like(p.metadata.ownerReferences?.[0], { kind: 'DaemonSet', name: 'agent', controller: true, blockOwnerDeletion: true });
  const tol = (key: string) => p.spec.tolerations?.filter((x) => x.key === key);
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'])
    t.deepEqual(tol(key), [{ key, operator: 'Exists', effect: 'NoExecute' }], `${key}: no tolerationSeconds (tolerated forever)`);
  for (const key of ['disk-pressure', 'memory-pressure', 'pid-pressure', 'unschedulable'])
    t.deepEqual(tol(`node.kubernetes.io/${key}`), [{ key: `node.kubernetes.io/${key}`, operator: 'Exists', effect: 'NoSchedule' }]);
  const hash = p.metadata.labels?.['controller-revision-hash'];
  const revs = (await run(env.client.list<ControllerRevision>('controllerrevisions', { namespace: 'default' }))).items;
  t.deepEqual(revs.map((r) => [r.metadata.name, r.revision]), [[`agent-${hash}`, 1]]);

  await run(env.client.create('nodes', node('n6', { disk: 'ssd' })));
  await clock.advance(10_000);
  t.deepEqual(await nodesOf('agent'), ['n1', 'n2', 'n5', 'n6'], 'a node that joins later gets its pod');
  t.like((await ds('agent')).status, { desiredNumberScheduled: 4, numberReady: 4 });
});

test('daemonset - a node that stops being eligible loses its pod (label change, NoExecute taint); NoSchedule keeps running pods', async (t) => {
  const { clock, env, run, nodesOf } = await cluster(t, [node('n1', { role: 'edge' }), node('n2', { role: 'edge' }), node('n3', { role: 'edge' })]);
  await run(env.client.create('daemonsets', daemonSet('proxy', { template: { metadata: { labels: { app: 'proxy' } }, spec: { nodeSelector: { role: 'edge' }, containers: [{ name: 'p', image: 'proxy:1' }] } } })));
  await clock.advance(10_000);
  t.deepEqual(await nodesOf('proxy'), ['n1', 'n2', 'n3']);
  const patchNode = (name: string, patch: object) => run(env.client.patch('nodes', name, patch));
  await patchNode('n1', { metadata: { labels: { role: 'core' } } });
  await patchNode('n2', { spec: { taints: [{ key: 'maintenance', effect: 'NoSchedule' }] } });
  await patchNode('n3', { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
  await clock.advance(10_000);
  t.deepEqual(await nodesOf('proxy'), ['n2'], 'NoSchedule: the running pod may stay; NoExecute and a selector mismatch: removed');
  await patchNode('n3', { spec: { taints: [] } });
  await clock.advance(10_000);
  t.deepEqual(await nodesOf('proxy'), ['n2', 'n3'], 'the pod comes back when the taint goes');
});

test('daemonset - a rolling update replaces one pod at a time (maxUnavailable 1) and records a new revision', async (t) => {
  const { clock, env, run, pods, ds } = await cluster(t, [node('n1'), node('n2'), node('n3'), node('n4')]);
  await run(env.client.create('daemonsets', daemonSet('log')));
  await clock.advance(10_000);
  t.is((await pods('log')).length, 4);
  const cur = await ds('log');
  await run(env.client.update('daemonsets', { ...cur, spec: { ...cur.spec, template: { ...cur.spec.template, spec: { ...cur.spec.template.spec, containers: [{ name: 'agent', image: 'agent:2' }] } } } } as KubeObject));

  let worst = 4;
  for (let i = 0; i < 60; i++) {
    await clock.advance(1_000);
    const all = (await run(env.client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=log' }))).items;
    const ready = all.filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    worst = Math.min(worst, ready.length);
  }
  const after = await pods('log');
  t.deepEqual(after.map((p) => p.spec.containers[0].image), ['agent:2', 'agent:2', 'agent:2', 'agent:2']);
  t.is(worst, 3, 'never more than one node without a ready pod');
  const revs = (await run(env.client.list<ControllerRevision>('controllerrevisions', { namespace: 'default' }))).items;
  t.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
  const newHash = revs.find((r) => r.revision === 2)!.metadata.labels!['controller-revision-hash'];
  t.true(after.every((p) => p.metadata.labels?.['controller-revision-hash'] === newHash));
  t.like((await ds('log')).status, { updatedNumberScheduled: 4, numberAvailable: 4, observedGeneration: 2 });
});

test('daemonset - OnDelete replaces a pod only when it is deleted', async (t) => {
  const { clock, env, run, pods } = await cluster(t, [node('n1'), node('n2')]);
  await run(env.client.create('daemonsets', daemonSet('od', { updateStrategy: { type: 'OnDelete' } })));
  await clock.advance(10_000);
  const cur = await run(env.client.get<DaemonSet>('daemonsets', 'od', { namespace: 'default' }));
  await run(env.client.update('daemonsets', { ...cur, spec: { ...cur.spec, template: { ...cur.spec.template, spec: { ...cur.spec.template.spec, containers: [{ name: 'agent', image: 'agent:2' }] } } } } as KubeObject));
  await clock.advance(20_000);
  t.deepEqual((await pods('od')).map((p) => p.spec.containers[0].image), ['agent:1', 'agent:1']);
  const victim = (await pods('od')).find((p) => p.spec.nodeName === 'n1')!;
  await run(env.client.delete('pods', victim.metadata.name!, { namespace: 'default' }));
  await clock.advance(10_000);
  const byNode = Object.fromEntries((await pods('od')).map((p) => [p.spec.nodeName, p.spec.containers[0].image]));
  t.deepEqual(byNode, { n1: 'agent:2', n2: 'agent:1' });
});

test('daemonset - maxSurge starts the new pod beside the old one and removes the old once the new is available; history is pruned', async (t) => {
  const { clock, env, run, pods, ds } = await cluster(t, [node('n1'), node('n2')]);
  const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  await run(env.client.create('daemonsets', daemonSet('surge', { updateStrategy: strategy, revisionHistoryLimit: 1 })));
  await clock.advance(10_000);
  for (const image of ['agent:2', 'agent:3']) {
    const cur = await ds('surge');
    await run(env.client.update('daemonsets', { ...cur, spec: { ...cur.spec, template: { ...cur.spec.template, spec: { ...cur.spec.template.spec, containers: [{ name: 'agent', image }] } } } } as KubeObject));
    let most = 0;
    let fewestReady = 2;
    for (let i = 0; i < 30; i++) {
      await clock.advance(1_000);
      const all = (await run(env.client.list<Pod>('pods', { namespace: 'default', labelSelector: 'app=surge' }))).items.filter((p) => !p.metadata.deletionTimestamp);
      most = Math.max(most, all.length);
      fewestReady = Math.min(fewestReady, all.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length);
    }
    t.deepEqual((await pods('surge')).map((p) => p.spec.containers[0].image), [image, image]);
    t.is(most, 3, 'one extra pod at a time (maxSurge 1)');
    t.is(fewestReady, 2, 'never fewer ready pods than nodes (maxUnavailable 0)');
  }
  const revs = (await run(env.client.list<ControllerRevision>('controllerrevisions', { namespace: 'default' }))).items;
  t.deepEqual(revs.map((r) => r.revision).sort(), [2, 3], 'revisionHistoryLimit 1: the current revision and one old one');
});

test('daemonset - a node added wakes every DaemonSet that should run there; an orphan pod is adopted by the DaemonSet that selects it, no other', async (t) => {
  const { clock, env, run, pods, nodesOf } = await cluster(t, [node('n1', { zone: 'a' })]);
  await run(env.client.create('daemonsets', daemonSet('agent')));
  await run(env.client.create('daemonsets', daemonSet('zone-b', { template: { metadata: { labels: { app: 'zone-b' } }, spec: { nodeSelector: { zone: 'b' }, containers: [{ name: 'z', image: 'z:1' }] } } })));
  await run(env.client.create('daemonsets', { ...daemonSet('agent'), metadata: { name: 'agent', namespace: 'kube-system' } }));
  await clock.advance(10_000);
  t.deepEqual(await nodesOf('agent'), ['n1']);
  t.deepEqual(await nodesOf('zone-b'), []);

  await run(env.client.create('nodes', node('n2', { zone: 'b' })));
  await clock.advance(10_000);
  t.deepEqual(await nodesOf('agent'), ['n1', 'n2']);
  t.deepEqual(await nodesOf('zone-b'), ['n2']);
  const system = (await run(env.client.list<Pod>('pods', { namespace: 'kube-system' }))).items;
  t.deepEqual(system.map((p) => targetNodeName(p)).sort(), ['n1', 'n2'], 'the DaemonSet of another namespace is woken too');

  // A bare pod with the labels of both `agent`s, aimed at no node: only the one of its namespace adopts it (and keeps it: it is on no node).
  await run(env.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'agent' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }));
  await clock.advance(5_000);
  const stray = (await pods('agent')).find((p) => p.metadata.name === 'stray')!;
  const owner = await run(env.client.get<DaemonSet>('daemonsets', 'agent', { namespace: 'default' }));
  t.deepEqual(stray.metadata.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]), [['DaemonSet', owner.metadata.uid, true]]);
});

test('daemonset - pure: FNV hashes as Go computes them, safe-encoded revision hashes, node eligibility', (t) => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  t.is(fnv32a(bytes('')), 0x811c9dc5);
  t.is(fnv32a(bytes('a')), 0xe40c292c);
  t.is(fnv32(bytes('a')), 0x050c5d7e);
  t.is(fnv32a(bytes('foobar')), 0xbf9cf968);
  t.regex(computeHash({ spec: { containers: [{ name: 'c', image: 'i' }] } } as never), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  t.not(computeHash({ spec: { containers: [] } } as never, 1), computeHash({ spec: { containers: [] } } as never, 2), 'the collision count changes the hash');
  const ds = daemonSet('x', { template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }], tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] } } }) as unknown as DaemonSet;
  const fit = (n: KubeObject) => nodeShouldRunDaemonPod(n as Node, ds);
  t.deepEqual(fit(node('a')), { shouldRun: true, shouldContinueRunning: true });
  t.deepEqual(fit(node('a', {}, [{ key: 'gpu', effect: 'NoSchedule' }])), { shouldRun: true, shouldContinueRunning: true }, 'tolerated');
  t.deepEqual(fit(node('a', {}, [{ key: 'x', effect: 'NoSchedule' }])), { shouldRun: false, shouldContinueRunning: true });
  t.deepEqual(fit(node('a', {}, [{ key: 'x', effect: 'NoExecute' }])), { shouldRun: false, shouldContinueRunning: false });
  t.deepEqual(fit(node('a', {}, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }])), { shouldRun: true, shouldContinueRunning: true }, 'daemon tolerations');
});
