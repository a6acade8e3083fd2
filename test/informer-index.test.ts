// Informer indexes (client-go's Indexers): kept exact through adds, updates that move an object
// between index values, deletes and relists; a handler registered late gets the cache replayed.
import test from 'ava';
import fc from 'fast-check';
import type { KubeObject } from '../api/meta.ts';
import { IndexedStore, IndexerError } from '../bus/indexer.ts';
import { byController, byNamespace, byNodeName, CONTROLLER_INDEX, NAMESPACE_INDEX, NODE_NAME_INDEX, orphansIn } from '../bus/indexers.ts';
import { Informer, keyOf } from '../bus/informer.ts';
import { startApi } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';

const pod = (name: string, ns: string, node?: string, owner?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, ownerReferences: owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `uid-${owner}`, controller: true }] : undefined },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }] },
});
const names = (objs: KubeObject[]) => objs.map((o) => o.metadata.name).sort();

test('indexer - indexes follow adds, moves between values and deletes', (t) => {
  const s = new IndexedStore<KubeObject>();
  s.addIndexers({ [NODE_NAME_INDEX]: byNodeName, [CONTROLLER_INDEX]: byController });
  s.set('a/p1', pod('p1', 'a', 'n1', 'rs1'));
  s.set('a/p2', pod('p2', 'a'));
  s.set('b/p3', pod('p3', 'b', 'n1'));
  t.deepEqual(names(s.byIndex(NODE_NAME_INDEX, 'n1')), ['p1', 'p3']);
  t.deepEqual(names(s.byIndex(CONTROLLER_INDEX, 'uid-rs1')), ['p1']);
  t.deepEqual(names(s.byIndex(CONTROLLER_INDEX, orphansIn('a'))), ['p2']);
  s.set('a/p1', pod('p1', 'a', 'n2')); // moved node and released by its owner
  t.deepEqual(names(s.byIndex(NODE_NAME_INDEX, 'n1')), ['p3']);
  t.deepEqual(names(s.byIndex(NODE_NAME_INDEX, 'n2')), ['p1']);
  t.deepEqual(s.byIndex(CONTROLLER_INDEX, 'uid-rs1'), []);
  t.deepEqual(names(s.byIndex(CONTROLLER_INDEX, orphansIn('a'))), ['p1', 'p2']);
  s.delete('b/p3');
  t.deepEqual(s.byIndex(NODE_NAME_INDEX, 'n1'), []);
  t.deepEqual(s.byIndex(NODE_NAME_INDEX, 'unbound'), [], 'unbound pods are in no node bucket');
});

test('indexer - an index added late covers what is stored; names clash only with another function', (t) => {
  const s = new IndexedStore<KubeObject>();
  s.set('a/p1', pod('p1', 'a'));
  s.set('b/p2', pod('p2', 'b'));
  s.addIndexers({ [NAMESPACE_INDEX]: byNamespace });
  s.addIndexers({ [NAMESPACE_INDEX]: byNamespace }); // the same function again: no-op
  t.deepEqual(names(s.byIndex(NAMESPACE_INDEX, 'b')), ['p2']);
  t.throws(() => s.addIndexers({ [NAMESPACE_INDEX]: () => [] }), { instanceOf: IndexerError });
  t.throws(() => s.byIndex('nope', 'x'), { instanceOf: IndexerError, message: /addIndexers/ });
});

test('indexer - after any sequence of writes, every index equals a full scan (property)', (t) => {
  const op = fc.record({ del: fc.boolean(), name: fc.constantFrom('p0', 'p1', 'p2', 'p3'), ns: fc.constantFrom('a', 'b'), node: fc.option(fc.constantFrom('n1', 'n2')), owner: fc.option(fc.constantFrom('r1', 'r2')) });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const s = new IndexedStore<KubeObject>();
      s.addIndexers({ [NODE_NAME_INDEX]: byNodeName, [CONTROLLER_INDEX]: byController, [NAMESPACE_INDEX]: byNamespace });
      for (const o of ops) {
        const key = `${o.ns}/${o.name}`;
        if (o.del) s.delete(key);
        else s.set(key, pod(o.name, o.ns, o.node ?? undefined, o.owner ?? undefined));
      }
      const all = s.list();
      for (const [index, fn] of [[NODE_NAME_INDEX, byNodeName], [CONTROLLER_INDEX, byController], [NAMESPACE_INDEX, byNamespace]] as const)
        for (const v of ['n1', 'n2', 'uid-r1', 'uid-r2', orphansIn('a'), orphansIn('b'), 'a', 'b'])
          if (names(s.byIndex(index, v)).join() !== names(all.filter((x) => fn(x).includes(v))).join()) return false;
      return true;
    }),
  );
  t.pass();
});

test('informer - indexes stay exact over the watch, and a late handler gets the cache replayed as adds', async (t) => {
  const { client, connect } = await startApi(t);
  const inf = new Informer(connect('informer'), 'configmaps').addIndexers({ [NAMESPACE_INDEX]: byNamespace });
  const early: string[] = [];
  inf.on({ add: (o) => early.push(keyOf(o)) });
  await inf.start();
  t.teardown(() => inf.stop());
  const cm = (name: string, namespace: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: {} });
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  for (const [n, ns] of [['a', 'default'], ['b', 'default'], ['c', 'other']]) await client.create('configmaps', cm(n, ns));
  await waitFor(() => inf.list().length === 3, 'three configmaps cached', 5_000);
  t.deepEqual(names(inf.byIndex(NAMESPACE_INDEX, 'default')), ['a', 'b']);
  await client.delete('configmaps', 'a', { namespace: 'default' });
  await waitFor(() => inf.list().length === 2, 'a deleted', 5_000);
  t.deepEqual(names(inf.byIndex(NAMESPACE_INDEX, 'default')), ['b']);
  t.deepEqual(names(inf.lister().byIndex(NAMESPACE_INDEX, 'other')), ['c'], 'the lister reads the same cache');

  const late: string[] = [];
  inf.on({ add: (o) => late.push(keyOf(o)) });
  t.deepEqual(late.sort(), ['default/b', 'other/c'], 'registered after sync: the current objects, once each');
  await client.create('configmaps', cm('d', 'default'));
  await waitFor(() => late.includes('default/d'), 'the late handler sees new events too', 5_000);
  t.deepEqual(early.sort(), ['default/a', 'default/b', 'default/d', 'other/c'], 'the early handler saw no replays');
});
