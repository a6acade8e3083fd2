// The kubelet's status manager against an API server: when another component changes the pod's
// status while the kubelet's own write is still in flight, the kubelet writes its status again once
// that write is done (upstream's status manager reconciles the same way).
import test, { type ExecutionContext } from 'ava';
import type { Pod, PodStatus } from '../api/kinds/pod.ts';
import { StatusManager } from '../actors/kubelet/status-manager.ts';
import { realClock } from '../bus/clock.ts';
import { ApiClient } from '../bus/client.ts';
import { silentLogger } from '../bus/types.ts';
import { pod, startApi } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';

const status = (ready: 'True' | 'False', extra: Record<string, string> = {}): PodStatus => ({
  phase: 'Running',
  conditions: [{ type: 'Ready', status: ready, ...extra }],
});
const readyOf = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status;

/** A pod created on node-0 and a status manager that has written its status (Ready=True) once. */
async function afterFirstWrite(t: ExecutionContext) {
  const { client, connect } = await startApi(t);
  const created = await client.create<Pod>('pods', pod('web', { nodeName: 'node-0' }));
  const sm = new StatusManager(connect('kubelet'), realClock, silentLogger, () => undefined, { initialMs: 10, maxMs: 100, factor: 2 });
  t.teardown(() => sm.close());
  sm.set(created, status('True'), false);
  await waitFor(() => sm.stats.writes === 1, 'the first write');
  return { client, created, sm };
}

test('status manager - a status changed on the server while its own write is in flight is written again after it', async (t) => {
  const { client, connect } = await startApi(t);
  const created = await client.create<Pod>('pods', pod('web', { nodeName: 'node-0' }));
  const kubelet = connect('kubelet');
  // The kubelet's writes are applied at once, but their replies are held until `release`.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const slow = Object.create(kubelet) as ApiClient;
  slow.updateStatus = async <T,>(resource: string, obj: Parameters<ApiClient['updateStatus']>[1]) => {
    const r = await kubelet.updateStatus(resource, obj);
    await held;
    return r as T;
  };
  let cache: Pod = created;
  const sm = new StatusManager(slow, realClock, silentLogger, () => cache, { initialMs: 10, maxMs: 100, factor: 2 });
  t.teardown(() => sm.close());

  sm.set(created, status('True'), false);
  await waitFor(async () => readyOf(await client.get<Pod>('pods', 'web', { namespace: 'default' })) === 'True', 'the kubelet wrote Ready=True');
  // The node controller marks the pod not ready; the kubelet sees it while its write is still in flight.
  const current = await client.get<Pod>('pods', 'web', { namespace: 'default' });
  cache = await client.updateStatus<Pod>('pods', { ...current, status: status('False', { reason: 'NodeNotReady' }) });
  sm.observed(cache);
  release();
  await waitFor(async () => readyOf(await client.get<Pod>('pods', 'web', { namespace: 'default' })) === 'True', 'Ready=True written again', 5_000);
  t.is(readyOf(await client.get<Pod>('pods', 'web', { namespace: 'default' })), 'True');
});

test('status manager - a stale copy (older than its own last write) is not news: no write', async (t) => {
  const { created, sm } = await afterFirstWrite(t);
  sm.observed(created); // the watch event of the pod as created (Ready unset), arriving after the write
  sm.set(created, status('True'), false); // an unchanged status: skipped, and a barrier for what observed may have queued
  await waitFor(() => sm.stats.skipped === 1, 'the unchanged status skipped');
  t.is(sm.stats.writes, 1);
});

test('status manager - the echo of its own write replaces its copy of the status (one copy per pod), and an unchanged status is still skipped', async (t) => {
  const { client, created, sm } = await afterFirstWrite(t);
  const echo = await client.get<Pod>('pods', 'web', { namespace: 'default' });
  sm.observed(echo);
  t.is(sm.stats.shared, 1);
  sm.set(created, status('True'), false);
  await waitFor(() => sm.stats.skipped === 1, 'the unchanged status skipped');
  t.is(sm.stats.writes, 1);
});

test('status manager - a status handed over to the bus is sent as it is (frozen where it is, not copied)', async (t) => {
  const { client, broker } = await startApi(t);
  const created = await client.create<Pod>('pods', pod('web', { nodeName: 'node-0' }));
  const bus = broker.connect('kubelet');
  const spy = broker.connect('spy');
  t.teardown(async () => {
    await bus.close();
    await spy.close();
  });
  const sent: Array<{ body?: unknown }> = [];
  spy.subscribe('>', (m) => void sent.push(m.data as { body?: unknown }));
  const handed: Array<{ status: PodStatus }> = [];
  const hand = <T,>(body: T): T => (handed.push(body as { status: PodStatus }), bus.shareable!(body, true));
  const sm = new StatusManager(new ApiClient(bus, { clock: realClock }), realClock, silentLogger, () => undefined, { initialMs: 10, maxMs: 100, factor: 2 }, hand);
  t.teardown(() => sm.close());
  sm.set(created, status('True'), false);
  await waitFor(() => sm.stats.writes === 1, 'the first write');
  t.is(handed.length, 1);
  t.true(Object.isFrozen(handed[0]) && Object.isFrozen(handed[0].status.conditions![0]), 'frozen where it is');
  t.true(sent.some((d) => d.body === handed[0]), 'the request carries the body itself, no copy');
  t.is(readyOf(await client.get<Pod>('pods', 'web', { namespace: 'default' })), 'True');
  sm.set(created, status('True'), false); // its frozen last status still compares: an unchanged status is skipped
  await waitFor(() => sm.stats.skipped === 1, 'the unchanged status skipped');
  t.is(sm.stats.writes, 1);
});
