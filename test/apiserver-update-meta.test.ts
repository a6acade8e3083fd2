// An update keeps the stored object's system metadata (name, namespace, uid, creationTimestamp,
// deletion fields, generation): what the client sends for them is replaced, or dropped when the stored
// object has none, and the fields keep the order the client gave them (the same at 0720881). A Lease
// renewal (a kind that fills nothing below its top level) copies only its top level and metadata.
import test from 'ava';
import type { Lease } from '../api/kinds/lease.ts';
import { nodeLease, NODE_LEASE_NAMESPACE, renewedLease } from '../actors/kubelet/lease.ts';
import { startApi } from './helpers/api.ts';

test('apiserver update meta - system fields the stored object lacks are dropped, those it has are kept', async (t) => {
  const { client } = await startApi(t);
  const c = await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default', labels: { a: '1' } } });
  t.is(c.metadata.deletionTimestamp, undefined);
  const u = await client.update('configmaps', {
    ...c,
    metadata: {
      labels: { a: '2' },
      deletionTimestamp: '2030-01-01T00:00:00Z',
      deletionGracePeriodSeconds: 30,
      creationTimestamp: '2000-01-01T00:00:00Z',
      name: 'cfg',
      namespace: 'default',
      resourceVersion: c.metadata.resourceVersion,
      generation: 99,
    },
    data: { x: 'y' },
  });
  t.false('deletionTimestamp' in u.metadata);
  t.false('deletionGracePeriodSeconds' in u.metadata);
  t.is(u.metadata.creationTimestamp, c.metadata.creationTimestamp);
  t.is(u.metadata.uid, c.metadata.uid);
  // A ConfigMap has no generation (upstream's strategy sets none): the 99 sent gives way to the stored none.
  t.false('generation' in c.metadata);
  t.false('generation' in u.metadata);
  t.deepEqual(u.metadata.labels, { a: '2' });
  // The client's own order; the stored uid, which it did not send, after its fields (resourceVersion is the reply's).
  t.deepEqual(Object.keys(u.metadata), ['labels', 'creationTimestamp', 'name', 'namespace', 'uid', 'resourceVersion']);
});

test('apiserver update meta - a Lease renewal takes the top-only path: its frozen spec is stored as sent, the rest kept', async (t) => {
  const { client, store } = await startApi(t);
  const managedFields = [{ manager: 'kubelet', operation: 'Update', apiVersion: 'coordination.k8s.io/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:renewTime': {} } } }];
  const owner = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid' };
  const created = await client.create<Lease>('leases', {
    ...nodeLease('n1', 'node-uid', 40, Date.parse('2026-01-01T00:00:00Z')),
    metadata: { name: 'n1', namespace: NODE_LEASE_NAMESPACE, labels: { keep: 'me' }, ownerReferences: [owner], managedFields },
  } as Lease);
  t.true(Object.isFrozen(created.metadata), 'received frozen (MemoryBus): the renewal passes it on');
  const renewed = renewedLease(created, 'n1', 'node-uid', 40, Date.parse('2026-01-01T00:00:10Z'));
  t.is(renewed.metadata, created.metadata);

  const u = await client.update<Lease>('leases', renewed);
  t.true(Number(u.metadata.resourceVersion) > Number(created.metadata.resourceVersion), 'resourceVersion bumped');
  t.deepEqual(u.spec, renewed.spec, 'spec replaced');
  t.is(u.spec!.renewTime, '2026-01-01T00:00:10.000000Z');
  // A Lease has no generation, as upstream: a renewal changes nothing of its metadata but the resourceVersion.
  t.false('generation' in u.metadata);
  const { resourceVersion: _a, ...kept } = created.metadata;
  const { resourceVersion: _b, ...now } = u.metadata;
  t.deepEqual(now, kept, 'uid, creationTimestamp, labels, owner and managedFields kept as they were');

  const stored = store.range('/registry/').kvs.filter((kv) => kv.key.includes('/leases/'));
  t.is(stored.length, 1);
  const value = stored[0].value as Lease;
  t.is(stored[0].modRevision, Number(u.metadata.resourceVersion));
  t.false('resourceVersion' in value.metadata, 'the store keeps it in its revisions');
  // Only the top level and metadata were copied: a whole copy (thaw) would have stored a spec of its own.
  t.is(value.spec, renewed.spec, 'the spec object the kubelet sent is the one stored');
  t.deepEqual((value.metadata as { managedFields?: unknown }).managedFields, managedFields);
});
