// Watch fan-out at 5,000 nodes: the API server's cost per store event with every kubelet's watches
// open (pods by spec.nodeName, its own Node by metadata.name), the whole-resource watches of the
// control plane (scheduler, controllers, the node lifecycle controller's lease watch), and a mix of
// pod status writes and lease renewals. The bus only counts messages (no encoding), so the figure is
// the hub's routing and filtering (CPU time inside its store callback) plus, as process CPU time, the
// store write and the sends; the store alone is measured beside it.
// Run: npm run bench -- watch-fanout [--nodes N] [--events N] [--runs N] [--all N]
import { resourceFor } from '../api/resources.ts';
import type { KubeObject } from '../api/meta.ts';
import { buildFilter } from '../actors/apiserver/filters.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { WatchHub } from '../actors/apiserver/watch-hub.ts';
import { VirtualClock, settle } from '../bus/clock.ts';
import type { Bus } from '../bus/types.ts';
import { silentLogger } from '../bus/types.ts';
import { arg, median, report } from './report.ts';

const NODES = arg('nodes', 5_000);
const EVENTS = arg('events', 50_000);
const RUNS = arg('runs', 3);
/** Whole-resource pod watches (scheduler, ReplicaSet, endpoints, GC ... controllers). */
const ALL = arg('all', 8);
const log = (m: string) => console.error(`[watch-fanout bench] ${m}`);

const pods = resourceFor('pods')!;
const nodes = resourceFor('nodes')!;
const leases = resourceFor('leases')!;

/** A bus that only counts what the hub publishes. */
function countingBus(): Bus & { published: number } {
  const bus = {
    name: 'bench',
    id: 'bench',
    published: 0,
    publish() {
      bus.published++;
    },
    publishRaw() {},
    subscribe: () => ({ unsubscribe() {} }),
    request: () => new Promise(() => {}),
    respond() {},
    flush: async () => {},
    onStatus: () => () => {},
    drain: async () => {},
    close: async () => {},
  };
  return bus as unknown as Bus & { published: number };
}

const pod = (i: number, n: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `web-${i}`, namespace: 'default', uid: `uid-${i}`, labels: { app: 'web' } },
  spec: { nodeName: `node-${i % NODES}`, containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], observed: n },
});
const lease = (i: number, n: number): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: `node-${i}`, namespace: 'kube-node-lease' },
  spec: { holderIdentity: `node-${i}`, leaseDurationSeconds: 40, renewTime: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}.000000Z` },
});
const podKey = (i: number) => `/registry/pods/default/web-${i}`;
const leaseKey = (i: number) => `/registry/leases/kube-node-lease/node-${i}`;

/** Returns a view of the store whose watch callbacks add the CPU time they take to `spent.us` (the hub's dispatch). */
function timed(store: MemoryStore, spent: { us: number }): MemoryStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'watch') {
        return (prefix: string, from: number, onEvent: (ev: unknown) => void, onEnd?: () => void) =>
          target.watch(prefix, from, (ev) => {
            // CPU time, not wall time: on a loaded machine the process is preempted inside a callback.
            const t = process.cpuUsage();
            onEvent(ev);
            const d = process.cpuUsage(t);
            spent.us += d.user + d.system;
          }, onEnd);
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Returns CPU µs per event over `EVENTS` writes (half pod status, half lease renewals), with or without the hub's watches, and the hub's dispatch time. */
async function run(withHub: boolean): Promise<{ us: number; dispatchUs: number; published: number }> {
  const store = new MemoryStore();
  const podCount = NODES * 30;
  for (let i = 0; i < podCount; i++) await store.txn({ op: 'create', key: podKey(i), value: pod(i, 0) });
  for (let i = 0; i < NODES; i++) await store.txn({ op: 'create', key: leaseKey(i), value: lease(i, 0) });
  // The creations are set-up, not history a watch would resume from (and not a size compaction to time).
  store.compact(store.revision);
  const bus = countingBus();
  const spent = { us: 0 };
  const clock = new VirtualClock();
  let hub: WatchHub | undefined;
  if (withHub) {
    hub = new WatchHub(timed(store, spent), { bus, clock, log: silentLogger, serverId: 'bench', heartbeatMs: 10_000 });
    const from = String(store.revision);
    for (let n = 0; n < NODES; n++) {
      const conn = `kubelet-${n}`;
      const byNode = { fieldSelector: `spec.nodeName=node-${n}`, resourceVersion: from, conn, id: 'pods' };
      hub.start(pods, undefined, byNode, buildFilter(pods, undefined, byNode.fieldSelector), store.revision);
      const self = { fieldSelector: `metadata.name=node-${n}`, resourceVersion: from, conn, id: 'node' };
      hub.start(nodes, undefined, self, buildFilter(nodes, undefined, self.fieldSelector), store.revision);
    }
    for (let a = 0; a < ALL; a++) hub.start(pods, undefined, { conn: `cp-${a}`, id: 'pods' }, buildFilter(pods), store.revision);
    hub.start(leases, undefined, { conn: 'node-lifecycle', id: 'leases' }, buildFilter(leases), store.revision);
  }
  await settle();
  const revs = new Map<string, number>();
  spent.us = 0;
  const cpu0 = process.cpuUsage();
  for (let e = 0; e < EVENTS; e++) {
    const i = (e * 7919) % (e % 2 ? NODES : podCount);
    const key = e % 2 ? leaseKey(i) : podKey(i);
    const value = e % 2 ? lease(i, e) : pod(i, e);
    await store.txn({ op: 'update', key, value, ifModRevision: revs.get(key) });
    revs.set(key, store.revision);
    // Let the hub's dispatch (a microtask after the write) and its sends run: 100 events per 10 ms
    // of virtual time (10,000 events/s), so busy watches send a batch per 10 ms as under load.
    if (e % 100 === 99) {
      await settle();
      await clock.advance(10);
    }
  }
  await settle();
  await clock.advance(1_000);
  const cpu = process.cpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / EVENTS;
  hub?.close();
  return { us, dispatchUs: spent.us / EVENTS, published: bus.published };
}

const hubRuns: number[] = [];
const dispatchRuns: number[] = [];
const storeRuns: number[] = [];
let published = 0;
for (let r = 0; r < RUNS; r++) {
  const s = await run(false);
  const h = await run(true);
  storeRuns.push(s.us);
  hubRuns.push(h.us);
  dispatchRuns.push(h.dispatchUs);
  published = h.published;
  log(`run ${r + 1}: store ${s.us.toFixed(2)} µs/event, store + hub ${h.us.toFixed(2)} µs/event (CPU), hub dispatch ${h.dispatchUs.toFixed(2)} µs/event, ${h.published} messages`);
}
const store = median(storeRuns);
const total = median(hubRuns);
report(`Watch fan-out: ${NODES} nodes (${NODES * 2} kubelet watches, ${ALL + 1} whole-resource), ${EVENTS} events (half pod status, half lease renewals), median of ${RUNS}`, [
  { name: 'hub dispatch (routing + selectors + queueing)', value: median(dispatchRuns), unit: 'µs/event', higherIsBetter: false, anchor: 'lease renewals at 5,000 nodes ≈ 500 writes/s' },
  { name: 'CPU: store write + hub fan-out + sends', value: total, unit: 'µs/event', higherIsBetter: false },
  { name: 'CPU: store write alone', value: store, unit: 'µs/event', higherIsBetter: false },
  { name: 'CPU: hub (difference of the two)', value: Math.max(0, total - store), unit: 'µs/event', higherIsBetter: false },
  { name: 'messages sent', value: published, unit: 'msgs', higherIsBetter: false },
]);
