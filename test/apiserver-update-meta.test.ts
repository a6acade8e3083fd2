// An update keeps the stored object's system metadata (name, namespace, uid, creationTimestamp,
// deletion fields, generation): what the client sends for them is replaced, or dropped when the stored
// object has none, and the fields keep the order the client gave them (the same at 0720881).
import test from 'ava';
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
  t.is(u.metadata.generation, (c.metadata.generation ?? 0) + 1); // the stored one, bumped for the new data; not the 99 sent
  t.deepEqual(u.metadata.labels, { a: '2' });
  // The client's own order; the stored uid, which it did not send, after its fields (resourceVersion is the reply's).
  t.deepEqual(Object.keys(u.metadata), ['labels', 'creationTimestamp', 'name', 'namespace', 'generation', 'uid', 'resourceVersion']);
});
