// The Service address allocator's repair pass and followers, on a store directly: what stored Services
// hold without a reservation is reserved; a reservation no Service holds is freed only after it
// looked orphaned in LEAK_PASSES passes (a create in flight is not a leak); an update that drops a
// node port frees it.
import test from 'ava';
import { ServiceAllocator } from '../actors/apiserver/service-alloc.ts';
import { LEAK_MIN_AGE_MS, LEAK_PASSES } from '../actors/apiserver/service-repair.ts';
import { IP_PREFIX, NODE_PORT_PREFIX } from '../actors/apiserver/service-reservations.ts';
import { MemoryStore } from '../actors/apiserver/store/index.ts';
import { VirtualClock } from '../bus/clock.ts';
import { seededRng } from '../bus/random.ts';
import { silentLogger } from '../bus/types.ts';
import { waitFor } from './helpers/wait.ts';

const setup = () => {
  const store = new MemoryStore();
  const clock = new VirtualClock(0);
  const alloc = new ServiceAllocator({ store, clock, rng: seededRng(1), log: silentLogger });
  return { store, alloc, clock };
};

const svc = (name: string, uid: string, clusterIP: string, nodePort?: number) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', uid },
  spec: { type: nodePort ? 'NodePort' : 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports: [{ port: 80, ...(nodePort ? { nodePort } : {}) }] },
});

test('service alloc - repair reserves what stored Services hold (a store from before reservations) and refuses it to new Services', async (t) => {
  const { store, alloc } = setup();
  await store.txn({ op: 'create', key: '/registry/services/default/old', value: svc('old', 'u1', '10.96.0.50', 30500) });
  t.deepEqual(await alloc.repair(), { created: 2, released: 0, duplicates: 0 });
  t.like(store.get(`${IP_PREFIX}10.96.0.50`)?.value, { kind: 'IPAddress', spec: { parentRef: { resource: 'services', namespace: 'default', name: 'old' } } });
  t.truthy(store.get(`${NODE_PORT_PREFIX}30500`));
  const clash = svc('new', 'u2', '10.96.0.50');
  t.throws(() => alloc.allocate(clash), { message: /provided IP is already allocated/ });
  t.deepEqual(await alloc.repair(), { created: 0, released: 0, duplicates: 0 }, 'a second pass has nothing to do');
});

test('service alloc - a reservation whose Service never got stored is freed after LEAK_PASSES passes and a minute, not before', async (t) => {
  const { store, alloc, clock } = setup();
  const s = { metadata: { name: 'lost', namespace: 'default', uid: 'u9' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
  alloc.allocate(s);
  await alloc.reserve(s); // ... and the process dies before the Service is written
  t.is(store.range(IP_PREFIX).kvs.length, 1);
  for (let pass = 1; pass <= LEAK_PASSES; pass++) t.is((await alloc.repair()).released, 0, `pass ${pass}, under a minute old, keeps it`);
  await clock.advance(LEAK_MIN_AGE_MS);
  t.is((await alloc.repair()).released, 2, 'orphaned in enough passes and old enough');
  // Old enough from the start, it still needs LEAK_PASSES passes in a row.
  const late = { metadata: { name: 'late', namespace: 'default', uid: 'u10' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } };
  alloc.allocate(late);
  await alloc.reserve(late);
  await clock.advance(LEAK_MIN_AGE_MS);
  for (let pass = 1; pass < LEAK_PASSES; pass++) t.is((await alloc.repair()).released, 0, `pass ${pass} keeps it`);
  t.is((await alloc.repair()).released, 1);
  t.is(store.range(IP_PREFIX).kvs.length + store.range(NODE_PORT_PREFIX).kvs.length, 0);
});

test('service alloc - an update that drops a node port frees it; a reservation of another Service is left alone', async (t) => {
  const { store, alloc } = setup();
  alloc.follow(store.revision);
  t.teardown(() => alloc.close());
  const s = svc('web', 'u1', '10.96.1.1', 30001);
  alloc.allocate(s);
  await alloc.reserve(s);
  const created = await store.txn({ op: 'create', key: '/registry/services/default/web', value: s });
  t.true(created.ok);
  const plain = { ...s, spec: { ...s.spec, type: 'ClusterIP', ports: [{ port: 80 }] } };
  await store.txn({ op: 'update', key: '/registry/services/default/web', value: plain });
  await waitFor(() => !store.get(`${NODE_PORT_PREFIX}30001`), 'the node port to be freed', 2_000);
  t.truthy(store.get(`${IP_PREFIX}10.96.1.1`), 'the cluster IP it kept stays reserved');
  // Releasing a Service with another uid never touches what it does not own.
  await alloc.release(svc('web', 'someone-else', '10.96.1.1'));
  t.truthy(store.get(`${IP_PREFIX}10.96.1.1`));
});
