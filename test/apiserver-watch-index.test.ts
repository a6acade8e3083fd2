// The API server's watch hub at scale: events reach only the watches they can match (by node, by
// name, by namespace, by resource), and history is compacted on size when a burst at one instant of
// virtual time outruns the 5-minute compaction, without ending live watches.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { WatchBatch, WatchEvent } from '../api/protocol.ts';
import type { ResourceDef } from '../api/resource.ts';
import { resourceFor } from '../api/resources.ts';
import { buildFilter, type ObjectFilter } from '../actors/apiserver/filters.ts';
import { FileStore } from '../actors/apiserver/store/file-store.ts';
import { MemoryStore } from '../actors/apiserver/store/memory-store.ts';
import { CompactedError, type Store } from '../actors/apiserver/store/store.ts';
import { WatchHub } from '../actors/apiserver/watch-hub.ts';
import { VirtualClock, settle } from '../bus/clock.ts';
import { watchEvents } from '../bus/subjects.ts';
import { silentLogger, type Bus } from '../bus/types.ts';

const pods = resourceFor('pods')!;
const nodes = resourceFor('nodes')!;
const leases = resourceFor('leases')!;

/** A bus that keeps what the hub publishes, by subject. */
function recordingBus(): Bus & { sent: Map<string, WatchEvent[]> } {
  const sent = new Map<string, WatchEvent[]>();
  const bus = {
    name: 'test',
    id: 'test',
    sent,
    publish(subject: string, body: WatchBatch) {
      sent.set(subject, [...(sent.get(subject) ?? []), ...body.events]);
    },
    request: () => new Promise(() => {}),
  };
  return bus as unknown as Bus & { sent: Map<string, WatchEvent[]> };
}

function hubOn(t: { teardown(fn: () => void): void }, store: Store, historyRevisions?: number) {
  const bus = recordingBus();
  const clock = new VirtualClock();
  const hub = new WatchHub(store, { bus, clock, log: silentLogger, serverId: 'test', heartbeatMs: 10_000, historyRevisions });
  t.teardown(() => hub.close());
  let calls = 0;
  /** Starts a watch whose selector counts how often it is tested; returns its events and that count. */
  const watch = (def: ResourceDef, conn: string, opts: { namespace?: string; fieldSelector?: string; from?: number } = {}) => {
    const inner = buildFilter(def, undefined, opts.fieldSelector);
    const filter: ObjectFilter = { ...inner, matches: (o) => (calls++, inner.matches(o)) };
    hub.start(def, opts.namespace, { conn, id: 'w', fieldSelector: opts.fieldSelector }, filter, opts.from ?? store.revision);
    return { events: () => bus.sent.get(watchEvents(conn, 'w')) ?? [] };
  };
  return { hub, clock, watch, calls: () => calls, resetCalls: () => (calls = 0) };
}

const pod = (name: string, node: string, ns = 'default', n = 0): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'i' }] },
  status: { n },
});
const put = async (s: Store, key: string, value: KubeObject) => {
  const cur = s.get(key);
  await (cur ? s.txn({ op: 'update', key, value, ifModRevision: cur.modRevision }) : s.txn({ op: 'create', key, value }));
};
/** Lets the store hand events to the hub and the hub send them (batches of a busy watch wait 10 ms). */
const drain = async (clock: VirtualClock) => {
  await settle();
  await clock.advance(20);
};

test('watch index - a pod event is tested against its own node\'s watch only, not every kubelet\'s', async (t) => {
  const store = new MemoryStore();
  const { clock, watch, calls, resetCalls } = hubOn(t, store);
  const kubelets = Array.from({ length: 200 }, (_, n) => watch(pods, `kubelet-${n}`, { fieldSelector: `spec.nodeName=node-${n}` }));
  await put(store, '/registry/pods/default/a', pod('a', 'node-7'));
  await put(store, '/registry/pods/default/a', pod('a', 'node-7', 'default', 1));
  await drain(clock);
  t.deepEqual(kubelets[7].events().map((e) => e.type), ['ADDED', 'MODIFIED']);
  t.is(kubelets.filter((k) => k.events().length > 0).length, 1);
  // Two events, each tested (before and after) against node-7's watch alone.
  t.true(calls() <= 4, `selectors tested ${calls()} times`);
  // A pod moving between nodes reaches the old node's watch (DELETED) and the new one's (ADDED).
  resetCalls();
  await put(store, '/registry/pods/default/a', pod('a', 'node-9', 'default', 2));
  await drain(clock);
  t.deepEqual(kubelets[7].events().map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  t.deepEqual(kubelets[9].events().map((e) => e.type), ['ADDED']);
  t.true(calls() <= 4, `selectors tested ${calls()} times`);
});

test('watch index - a Lease renewal costs the watches of other resources nothing; a Node event reaches only its name\'s watch', async (t) => {
  const store = new MemoryStore();
  const { clock, watch, calls, resetCalls } = hubOn(t, store);
  for (let n = 0; n < 100; n++) {
    watch(pods, `kubelet-${n}`, { fieldSelector: `spec.nodeName=node-${n}` });
    watch(nodes, `kubelet-node-${n}`, { fieldSelector: `metadata.name=node-${n}` });
  }
  const lifecycle = watch(leases, 'node-lifecycle');
  const lease: KubeObject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-3', namespace: 'kube-node-lease' }, spec: {} };
  await put(store, '/registry/leases/kube-node-lease/node-3', lease);
  await drain(clock);
  t.is(lifecycle.events().length, 1);
  t.is(calls(), 1, 'only the lease watch was tested');
  resetCalls();
  const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-3' } };
  await put(store, '/registry/nodes/node-3', node);
  await drain(clock);
  t.is(calls(), 1, 'only node-3\'s own watch was tested');
});

test('watch index - a watch of one namespace is not tested against other namespaces\' events', async (t) => {
  const store = new MemoryStore();
  const { clock, watch, calls } = hubOn(t, store);
  const inA = Array.from({ length: 50 }, (_, i) => watch(pods, `a-${i}`, { namespace: 'a' }));
  const everywhere = watch(pods, 'all');
  await put(store, '/registry/pods/b/x', pod('x', '', 'b'));
  await put(store, '/registry/pods/a/y', pod('y', '', 'a'));
  await drain(clock);
  t.is(everywhere.events().length, 2);
  t.true(inA.every((w) => w.events().length === 1 && (w.events()[0].object as KubeObject).metadata.name === 'y'));
  t.is(calls(), 2 + 50, 'the b event was tested against the all-namespaces watch only');
});

test('watch compaction - a burst at one virtual instant compacts on size, and live watches see every event', async (t) => {
  const store = new MemoryStore();
  const { clock, watch } = hubOn(t, store, 100);
  const live = watch(pods, 'scheduler');
  const start = clock.now();
  for (let i = 0; i < 450; i++) await put(store, `/registry/pods/default/p${i % 30}`, pod(`p${i % 30}`, '', 'default', i));
  await settle();
  t.is(clock.now(), start, 'no virtual time passed');
  // Past 100 + 25 revisions of history, it is cut back to the last 100 dispatched.
  t.true(store.compactedRevision > 0, 'compacted without the timer');
  t.true(store.revision - store.compactedRevision <= 125, `history holds ${store.revision - store.compactedRevision} revisions`);
  t.true(store.revision - store.compactedRevision >= 100);
  await drain(clock);
  const got = live.events();
  t.is(got.length, 450);
  t.false(got.some((e) => e.type === 'ERROR'));
  // A watch resuming within the kept window replays; one from before it gets 410 and relists.
  const recent = watch(pods, 'recent', { from: store.revision - 50 });
  const old = watch(pods, 'old', { from: 1 });
  await drain(clock);
  t.is(recent.events().length, 50);
  t.deepEqual(old.events().map((e) => [e.type, (e.object as { code?: number }).code]), [['ERROR', 410]]);
});

test('watch compaction - the file store compacts on size too; a shared store is left to its own compaction', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kubus-watch-compaction-'));
  const file = await FileStore.open(dir, { onWarn: () => {} });
  t.teardown(async () => {
    await file.close();
    await rm(dir, { recursive: true, force: true });
  });
  const f = hubOn(t, file, 50);
  for (let i = 0; i < 200; i++) await put(file, `/registry/pods/default/p${i % 10}`, pod(`p${i % 10}`, '', 'default', i));
  await settle();
  t.true(file.compactedRevision > 0);
  t.true(file.revision - file.compactedRevision <= 62);
  await drain(f.clock);

  class Shared extends MemoryStore {
    sync(): Promise<void> {
      return Promise.resolve();
    }
  }
  const shared = new Shared();
  const s = hubOn(t, shared, 50);
  for (let i = 0; i < 200; i++) await put(shared, `/registry/pods/default/p${i % 10}`, pod(`p${i % 10}`, '', 'default', i));
  await drain(s.clock);
  t.is(shared.compactedRevision, 0);
});

test('watch compaction - history is per resource: a burst of pod writes compacted away leaves a Lease watch able to resume', async (t) => {
  const store = new MemoryStore();
  const { clock, watch } = hubOn(t, store, 100);
  const lease: KubeObject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { n: 0 } };
  await put(store, '/registry/leases/kube-node-lease/node-1', lease);
  const seen = store.revision;
  await put(store, '/registry/pods/default/p', pod('p', '', 'default', -1));
  const podSeen = store.revision;
  for (let i = 0; i < 450; i++) await put(store, `/registry/pods/default/p${i % 30}`, pod(`p${i % 30}`, '', 'default', i));
  await put(store, '/registry/leases/kube-node-lease/node-1', { ...lease, spec: { n: 1 } });
  await settle();
  t.true(store.compactedRevision > podSeen, 'the burst was compacted');
  // The store: one resource's history is whole when none of its events was dropped.
  t.deepEqual(store.history('/registry/leases/', seen, store.revision).map((e) => e.revision), [store.revision]);
  t.throws(() => store.history('/registry/pods/', podSeen, store.revision), { instanceOf: CompactedError });
  t.throws(() => store.history('/registry/', seen, store.revision), { instanceOf: CompactedError });
  // The hub: the lease watch resumes from its old revision; the pod watch gets 410 and relists.
  const leaseWatch = watch(leases, 'node-lifecycle', { from: seen });
  const podWatch = watch(pods, 'scheduler', { from: podSeen });
  await drain(clock);
  t.deepEqual(leaseWatch.events().map((e) => e.type), ['MODIFIED']);
  t.deepEqual(podWatch.events().map((e) => [e.type, (e.object as { code?: number }).code]), [['ERROR', 410]]);
});
