// The pod garbage collector on the virtual clock: pods of a node that is gone are marked Failed
// (DisruptionTarget) and deleted after the 40 s quarantine; terminated pods over the threshold go,
// evicted and oldest first; pods of existing nodes stay.
import test, { type ExecutionContext } from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { podGcController } from '../actors/controllers/podgc/podgc.controller.ts';
import { terminatedOverThreshold } from '../actors/controllers/podgc/podgc.reconcile.ts';
import { VirtualClock } from '../bus/clock.ts';
import { pod, startApi } from './helpers/api.ts';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } }) as KubeObject;

/** An API server on a virtual clock; `run` lets the clock move while a request is answered. */
async function virtualApi(t: ExecutionContext) {
  const clock = new VirtualClock(T0);
  const env = await startApi(t, { clock });
  const run = <T>(p: Promise<T>) => clock.runUntil(() => false, clock.now() + 1).then(() => p);
  return { clock, env, client: env.client, run };
}

test('podgc - pods of a node that is gone are marked Failed and deleted after the quarantine; others stay', async (t) => {
  const { clock, env, client, run } = await virtualApi(t);
  await run(client.create('nodes', node('here')));
  await run(client.create('nodes', node('gone-soon')));
  await run(client.create('pods', pod('on-here', { nodeName: 'here' })));
  await run(client.create('pods', pod('on-gone', { nodeName: 'gone-soon' })));
  const failed: Pod[] = [];
  env.process('controller-manager').start(podGcController, 'controller/podgc', undefined);
  await clock.advance(1_000);
  await run(client.delete('nodes', 'gone-soon'));
  const names = async () => (await run(client.list<Pod>('pods', { namespace: 'default' }))).items.map((p) => p.metadata.name).sort();

  await clock.advance(30_000);
  t.deepEqual(await names(), ['on-gone', 'on-here'], 'still in quarantine');
  const w = client.watch('pods', { namespace: 'default' }, { event: (ev) => ev.type === 'MODIFIED' && failed.push(ev.object as Pod), end: () => {} });
  await clock.advance(1);
  await w;
  await clock.advance(60_000);
  t.deepEqual(await names(), ['on-here'], 'deleted after the 40 s quarantine, at a 20 s check');
  const marked = failed.find((p) => p.metadata.name === 'on-gone');
  t.is(marked?.status?.phase, 'Failed');
  t.like(marked?.status?.conditions?.find((c) => c.type === 'DisruptionTarget'), { status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
});

test('podgc - terminated pods over the threshold are deleted, evicted and oldest first', async (t) => {
  const { clock, env, client, run } = await virtualApi(t);
  await run(client.create('nodes', node('n')));
  for (const [i, name] of ['old', 'mid', 'new', 'evicted', 'running'].entries()) {
    await clock.advance(1_000 * (i + 1));
    const created = await run(client.create<Pod>('pods', pod(name, { nodeName: 'n' })));
    const status = name === 'running' ? { phase: 'Running' } : name === 'evicted' ? { phase: 'Failed', reason: 'Evicted' } : { phase: 'Succeeded' };
    await run(client.updateStatus('pods', { ...created, status } as KubeObject));
  }
  env.process('controller-manager').start(podGcController, 'controller/podgc', { terminatedPodThreshold: 2 });
  await clock.advance(25_000);
  const left = (await run(client.list<Pod>('pods', { namespace: 'default' }))).items.map((p) => p.metadata.name).sort();
  t.deepEqual(left, ['mid', 'new', 'running'], 'evicted and old deleted; 2 terminated kept; running untouched');
});

test('podgc - pure: threshold 0 turns the terminated collection off; pods being deleted do not count', (t) => {
  const p = (name: string, phase: string, ts: string, deleting = false) =>
    ({ metadata: { name, creationTimestamp: ts, ...(deleting ? { deletionTimestamp: ts } : {}) }, spec: {}, status: { phase } }) as unknown as Pod;
  const pods = [p('a', 'Succeeded', '2026-01-01T00:00:01Z'), p('b', 'Failed', '2026-01-01T00:00:02Z'), p('c', 'Succeeded', '2026-01-01T00:00:03Z', true), p('d', 'Running', '2026-01-01T00:00:00Z')];
  t.deepEqual(terminatedOverThreshold(pods, 0), []);
  t.deepEqual(terminatedOverThreshold(pods, 1).map((x) => x.metadata.name), ['a']);
});
