// dryRun on every mutating verb: admission, defaulting and validation run as for a real write,
// the answer is what would be stored, and nothing is written (no revision, no watch event).
import test, { type ExecutionContext } from 'ava';
import type { KubeObject } from '../api/meta.ts';
import type { ApiRequest } from '../api/protocol.ts';
import { StatusError } from '../api/status.ts';
import { VirtualClock } from '../bus/clock.ts';
import { pod, startApi, type ApiEnv } from './helpers/api.ts';
import { waitFor } from './helpers/wait.ts';

type Verb = 'update' | 'update-status' | 'patch' | 'patch-status' | 'delete';

const cm = (name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', ...extra },
  data: { a: '1' },
} as KubeObject);

const withoutRV = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });

/** A cluster on a virtual clock (so a dry run and the real write see the same time), and `run` to await a call. */
async function cluster(t: ExecutionContext) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 23, 10, 0, 0));
  const env = await startApi(t, { clock });
  const run = async <T>(p: Promise<T>) => {
    await clock.advance(1);
    return p;
  };
  return { ...env, clock, run };
}

/**
 * Sends `req` as a dry run and checks that nothing stored changed, then for real; returns both answers.
 * The dry answer carries the current resourceVersion, as upstream.
 */
async function dryThenReal(t: ExecutionContext, env: ApiEnv & { run: <T>(p: Promise<T>) => Promise<T> }, resource: string, verb: Verb, req: ApiRequest) {
  const { client, store, run } = env;
  const before = await run(client.get(resource, req.name!, { namespace: req.namespace }));
  const revision = store.revision;
  const dry = await run(client.call<KubeObject>(resource, verb, { ...structuredClone(req), dryRun: true }));
  t.is(store.revision, revision, `${verb}: the dry run wrote nothing`);
  t.deepEqual(await run(client.get(resource, req.name!, { namespace: req.namespace })), before, `${verb}: the object is as it was`);
  t.is(dry.metadata.resourceVersion, before.metadata.resourceVersion, `${verb}: the current resourceVersion`);
  const real = await run(client.call<KubeObject>(resource, verb, req));
  t.true(store.revision > revision, `${verb}: the real one wrote`);
  t.deepEqual(withoutRV(dry), withoutRV(real), `${verb}: the dry answer is what the real write returns`);
  return { dry, real };
}

test('dry run - update and update-status answer what would be stored and write nothing', async (t) => {
  const env = await cluster(t);
  const { client, run } = env;
  const c = await run(client.create('configmaps', cm('c')));
  const { dry } = await dryThenReal(t, env, 'configmaps', 'update', { namespace: 'default', name: 'c', body: { ...c, data: { a: '2' } } as KubeObject });
  t.deepEqual((dry as { data?: unknown }).data, { a: '2' });

  const p = await run(client.create('pods', pod('p')));
  // Spec change: generation goes up in the answer, as it would in the store.
  const spec = structuredClone(p) as KubeObject & { spec: { containers: Array<{ image: string }> } };
  spec.spec.containers[0].image = 'nginx:1.28';
  const u = await dryThenReal(t, env, 'pods', 'update', { namespace: 'default', name: 'p', body: spec });
  t.is(u.dry.metadata.generation, 2);
  const now = await run(client.get('pods', 'p', { namespace: 'default' }));
  const s = await dryThenReal(t, env, 'pods', 'update-status', { namespace: 'default', name: 'p', body: { ...now, status: { phase: 'Running' } } });
  t.is((s.dry.status as { phase: string }).phase, 'Running');
});

test('dry run - merge, strategic and JSON patches, and patch-status', async (t) => {
  const env = await cluster(t);
  const { client, run } = env;
  await run(client.create('configmaps', cm('c')));
  await dryThenReal(t, env, 'configmaps', 'patch', { namespace: 'default', name: 'c', patch: { metadata: { labels: { x: 'y' } } }, patchType: 'merge' });
  await dryThenReal(t, env, 'configmaps', 'patch', { namespace: 'default', name: 'c', patch: [{ op: 'add', path: '/data/b', value: '2' }], patchType: 'json' });
  await run(client.create('pods', pod('p')));
  const sp = await dryThenReal(t, env, 'pods', 'patch', { namespace: 'default', name: 'p', patch: { spec: { containers: [{ name: 'c', image: 'busybox' }] } }, patchType: 'strategic' });
  t.is((sp.dry.spec as { containers: Array<{ image: string }> }).containers[0].image, 'busybox');
  await dryThenReal(t, env, 'pods', 'patch-status', { namespace: 'default', name: 'p', patch: { status: { phase: 'Running' } }, patchType: 'merge' });
});

test('dry run - delete: gone (the object), finalizers and grace (deletionTimestamp), namespaces (Terminating)', async (t) => {
  const env = await cluster(t);
  const { client, store, run } = env;
  await run(client.create('configmaps', cm('plain')));
  const gone = await dryThenReal(t, env, 'configmaps', 'delete', { namespace: 'default', name: 'plain' });
  t.is(gone.dry.metadata.deletionTimestamp, undefined);
  t.is(await run(client.get('configmaps', 'plain', { namespace: 'default' }).then(() => 200, (e: StatusError) => e.code)), 404);

  await run(client.create('configmaps', cm('held', { finalizers: ['example.com/hold'] })));
  const held = await dryThenReal(t, env, 'configmaps', 'delete', { namespace: 'default', name: 'held', delete: { propagationPolicy: 'Foreground' } });
  t.truthy(held.dry.metadata.deletionTimestamp);
  t.deepEqual(held.dry.metadata.finalizers, ['example.com/hold', 'foregroundDeletion']);

  await run(client.create('pods', pod('bound')));
  await run(client.bind('default', 'bound', 'n1'));
  const graceful = await dryThenReal(t, env, 'pods', 'delete', { namespace: 'default', name: 'bound' });
  t.is(graceful.dry.metadata.deletionGracePeriodSeconds, 30);
  // Already being deleted: a dry run of the final delete (grace 0) writes nothing either.
  const revision = store.revision;
  await run(client.call('pods', 'delete', { namespace: 'default', name: 'bound', delete: { gracePeriodSeconds: 0 }, dryRun: true }));
  t.is(store.revision, revision);

  await run(client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }));
  const ns = await dryThenReal(t, env, 'namespaces', 'delete', { name: 'team' });
  t.is((ns.dry.status as { phase: string }).phase, 'Terminating');
});

test('dry run - refusals are the same as for a real write: 422, 409, 404, 403', async (t) => {
  const { client, store } = await startApi(t);
  const c = await client.create('configmaps', cm('c'));
  const p = await client.create('pods', pod('p'));
  const revision = store.revision;
  const code = (p: Promise<unknown>) => p.then(() => 200, (e: StatusError) => e.code);
  const dry = (resource: string, verb: Verb, req: ApiRequest) => code(client.call(resource, verb, { ...req, dryRun: true }));
  t.is(await dry('pods', 'update', { namespace: 'default', name: 'p', body: { ...p, spec: { containers: [] } } }), 422);
  t.is(await dry('configmaps', 'update', { namespace: 'default', name: 'c', body: { ...c, metadata: { ...c.metadata, resourceVersion: '1' } } }), 409);
  t.is(await dry('configmaps', 'patch', { namespace: 'default', name: 'c', patch: [{ op: 'test', path: '/data/a', value: 'no' }], patchType: 'json' }), 422);
  t.is(await dry('configmaps', 'delete', { namespace: 'default', name: 'nope' }), 404);
  t.is(await dry('configmaps', 'delete', { namespace: 'default', name: 'c', delete: { preconditions: { uid: 'other' } } }), 409);
  t.is(await dry('namespaces', 'delete', { name: 'default' }), 403);
  t.is(store.revision, revision);
});

test('dry run - no watch event: the first event after dry runs is the real write', async (t) => {
  const { client } = await startApi(t);
  const c = await client.create('configmaps', cm('c'));
  const events: Array<{ type: string; object: KubeObject }> = [];
  const w = await client.watch('configmaps', { namespace: 'default', resourceVersion: c.metadata.resourceVersion }, {
    event: (ev) => events.push(ev as never),
    end: () => {},
  });
  t.teardown(() => w.stop());
  await client.call('configmaps', 'update', { namespace: 'default', name: 'c', body: { ...c, data: { a: 'dry' } }, dryRun: true });
  await client.call('configmaps', 'patch', { namespace: 'default', name: 'c', patch: { data: { a: 'dry' } }, dryRun: true });
  await client.call('configmaps', 'delete', { namespace: 'default', name: 'c', dryRun: true });
  await client.patch('configmaps', 'c', { data: { a: 'real' } }, { namespace: 'default' });
  await waitFor(() => events.length >= 1);
  t.is(events.length, 1);
  t.is(events[0].type, 'MODIFIED');
  t.deepEqual((events[0].object as { data?: unknown }).data, { a: 'real' });
});

test('dry run - a dry-run Service create holds no cluster IP', async (t) => {
  const { client } = await startApi(t);
  const svc = (name: string, clusterIP?: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...(clusterIP ? { clusterIP } : {}) },
  });
  const dry = await client.create('services', svc('a', '10.96.0.50'), { dryRun: true });
  t.is((dry.spec as { clusterIP: string }).clusterIP, '10.96.0.50');
  const real = await client.create('services', svc('b', '10.96.0.50'));
  t.is((real.spec as { clusterIP: string }).clusterIP, '10.96.0.50', 'the address was still free');
});

test('dry run - binding: checked as a real one (409 when bound) and nothing written', async (t) => {
  const { client, store } = await startApi(t);
  await client.create('pods', pod('p'));
  const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p', namespace: 'default' }, target: { kind: 'Node', name: 'n1' } } as never;
  const revision = store.revision;
  t.like(await client.call('pods', 'bind', { namespace: 'default', name: 'p', body: binding, dryRun: true }), { status: 'Success', code: 201 });
  t.is(store.revision, revision);
  t.is((await client.get<KubeObject & { spec: { nodeName?: string } }>('pods', 'p', { namespace: 'default' })).spec.nodeName, undefined);
  await client.bind('default', 'p', 'n1');
  const again = await client.call('pods', 'bind', { namespace: 'default', name: 'p', body: binding, dryRun: true }).then(() => 200, (e: StatusError) => e.code);
  t.is(again, 409);
});
