// delete: finalizers, graceful deletion of pods, propagation policies, namespaces.
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { VirtualClock } from '../bus/clock.ts';
import { pod, startApi } from './helpers/api.ts';

const code = (p: Promise<unknown>) => p.then(() => 200, (e: StatusError) => e.code);
const cm = (name: string, finalizers?: string[]) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', ...(finalizers ? { finalizers } : {}) },
});

test('delete - an object with finalizers gets deletionTimestamp and stays until they are gone', async (t) => {
  const { client } = await startApi(t);
  await client.create('configmaps', cm('held', ['example.com/hold']));
  const d = await client.delete('configmaps', 'held', { namespace: 'default' });
  t.truthy(d.metadata.deletionTimestamp);
  const still = await client.get('configmaps', 'held', { namespace: 'default' });
  t.truthy(still.metadata.deletionTimestamp);
  t.is(await code(client.patch('configmaps', 'held', { metadata: { finalizers: null } }, { namespace: 'default' })), 200);
  t.is(await code(client.get('configmaps', 'held', { namespace: 'default' })), 404);
});

test('delete - propagationPolicy Orphan and Foreground are kept as finalizers for the garbage collector', async (t) => {
  const { client } = await startApi(t);
  await client.create('configmaps', cm('o'));
  await client.create('configmaps', cm('f'));
  const o = await client.delete('configmaps', 'o', { namespace: 'default', propagationPolicy: 'Orphan' });
  const f = await client.delete('configmaps', 'f', { namespace: 'default', propagationPolicy: 'Foreground' });
  t.deepEqual(o.metadata.finalizers, ['orphan']);
  t.deepEqual(f.metadata.finalizers, ['foregroundDeletion']);
  t.truthy(o.metadata.deletionTimestamp);
  t.is(await code(client.delete('configmaps', 'o', { namespace: 'default', propagationPolicy: 'Sideways' as never })), 400);
});

test('delete - a bound pod gets deletionTimestamp = now + grace (default 30 s); unbound pods go at once', async (t) => {
  const clock = new VirtualClock(Date.UTC(2026, 10, 23, 10, 0, 0));
  const { client } = await startApi(t, { clock });
  const run = async <T>(p: Promise<T>) => {
    await clock.advance(1);
    return p;
  };
  await run(client.create('pods', pod('bound')));
  await run(client.create('pods', pod('unbound')));
  await run(client.create('pods', pod('quick', { terminationGracePeriodSeconds: 5 })));
  await run(client.bind('default', 'bound', 'n1'));
  await run(client.bind('default', 'quick', 'n1'));
  const b = await run(client.delete('pods', 'bound', { namespace: 'default' }));
  t.is(b.metadata.deletionGracePeriodSeconds, 30);
  t.is(b.metadata.deletionTimestamp, '2026-11-23T10:00:30Z', 'now + 30 s');
  t.is(await run(code(client.get('pods', 'bound', { namespace: 'default' }))), 200, 'still there: the kubelet removes it');
  const q = await run(client.delete('pods', 'quick', { namespace: 'default' }));
  t.is(q.metadata.deletionGracePeriodSeconds, 5, "the pod's terminationGracePeriodSeconds");
  await run(client.delete('pods', 'unbound', { namespace: 'default' }));
  t.is(await run(code(client.get('pods', 'unbound', { namespace: 'default' }))), 404);
  // The kubelet's final delete with grace 0 removes it.
  await run(client.delete('pods', 'bound', { namespace: 'default', gracePeriodSeconds: 0 }));
  t.is(await run(code(client.get('pods', 'bound', { namespace: 'default' }))), 404);
});

test('delete - preconditions on uid and resourceVersion', async (t) => {
  const { client } = await startApi(t);
  const c = await client.create('configmaps', cm('p'));
  const e = await client.delete('configmaps', 'p', { namespace: 'default', preconditions: { uid: 'nope' } }).catch((x: StatusError) => x);
  t.is((e as StatusError).code, 409);
  t.regex((e as StatusError).message, /Precondition failed: UID in precondition: nope/);
  t.is(await code(client.delete('configmaps', 'p', { namespace: 'default', preconditions: { resourceVersion: '1' } })), 409);
  t.is(await code(client.delete('configmaps', 'p', { namespace: 'default', preconditions: { uid: c.metadata.uid } })), 200);
});

test('delete - a namespace goes Terminating; nothing new can be created in it; built-ins may not be deleted', async (t) => {
  const { client } = await startApi(t);
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  const ns = (await client.delete('namespaces', 'team')) as KubeObject & { status: { phase: string } };
  t.is(ns.status.phase, 'Terminating');
  t.truthy(ns.metadata.deletionTimestamp);
  const e = await client.create('pods', { ...pod('x'), metadata: { name: 'x', namespace: 'team' } }).catch((x: StatusError) => x);
  t.is((e as StatusError).code, 403);
  t.is((e as StatusError).message, 'pods "x" is forbidden: unable to create new content in namespace team because it is being terminated');
  for (const name of ['default', 'kube-system', 'kube-public']) t.is(await code(client.delete('namespaces', name)), 403);
  // When the namespace controller removes the `kubernetes` finalizer, it goes.
  await client.patch('namespaces', 'team', { spec: { finalizers: [] } });
  t.is(await code(client.get('namespaces', 'team')), 404);
});

test('delete - of a missing object is 404', async (t) => {
  const { client } = await startApi(t);
  const e = await client.delete('pods', 'ghost', { namespace: 'default' }).catch((x: StatusError) => x);
  t.is((e as StatusError).code, 404);
  t.is((e as StatusError).message, 'pods "ghost" not found');
});
