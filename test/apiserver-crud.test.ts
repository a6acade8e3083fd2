// The API server's semantics for create, get, list, update, patch, status and binding (DESIGN §3).
import test from 'ava';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { pod, startApi } from './helpers/api.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

const statusOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected a Status error, got success');
};

test('apiserver - create sets uid, creationTimestamp, generation and a decimal resourceVersion', async (t) => {
  const { client } = await startApi(t);
  const created = await client.create('pods', pod('web'));
  t.regex(created.metadata.uid!, UUID);
  t.regex(created.metadata.creationTimestamp!, RFC3339);
  t.is(created.metadata.generation, 1);
  t.regex(created.metadata.resourceVersion!, /^\d+$/);
  const got = await client.get('pods', 'web', { namespace: 'default' });
  t.deepEqual(got, created);
  t.is((got.status as { phase: string }).phase, 'Pending');
});

test('apiserver - a pod created with ephemeralContainers is 422 Forbidden and nothing is stored', async (t) => {
  const { client } = await startApi(t);
  const p = pod('debug') as KubeObject & { spec: Record<string, unknown> };
  p.spec.ephemeralContainers = [{ name: 'dbg', image: 'busybox' }];
  const e = await statusOf(client.create('pods', p));
  t.is(e.code, 422);
  t.is(e.reason, 'Invalid');
  t.is(e.message, 'Pod "debug" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create');
  t.is((await statusOf(client.get('pods', 'debug', { namespace: 'default' }))).code, 404);
  p.spec.ephemeralContainers = [];
  t.is((await client.create('pods', p)).metadata.name, 'debug', 'an empty list is not set');
});

test('apiserver - the built-in namespaces exist from the start', async (t) => {
  const { client } = await startApi(t);
  const names = (await client.list('namespaces')).items.map((n) => n.metadata.name).sort();
  t.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
});

test('apiserver - create of an existing name is 409 AlreadyExists; with resourceVersion set it is 400', async (t) => {
  const { client } = await startApi(t);
  await client.create('pods', pod('web'));
  const e = await statusOf(client.create('pods', pod('web')));
  t.is(e.code, 409);
  t.is(e.reason, 'AlreadyExists');
  t.is(e.message, 'pods "web" already exists');
  const withRV = pod('other') as KubeObject;
  withRV.metadata.resourceVersion = '5';
  t.is((await statusOf(client.create('pods', withRV))).code, 400);
});

test('apiserver - generateName gives the prefix and 5 characters from the upstream alphabet', async (t) => {
  const { client } = await startApi(t);
  const names = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const o = await client.create('pods', { ...pod(''), metadata: { generateName: 'web-', namespace: 'default' } });
    t.regex(o.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    names.add(o.metadata.name!);
  }
  t.is(names.size, 20);
});

test('apiserver - an update with a stale resourceVersion is 409 Conflict with the upstream message', async (t) => {
  const { client } = await startApi(t);
  const v1 = await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } });
  const v2 = await client.update('configmaps', { ...v1, data: { a: '2' } });
  t.not(v2.metadata.resourceVersion, v1.metadata.resourceVersion);
  const e = await statusOf(client.update('configmaps', { ...v1, data: { a: '3' } }));
  t.is(e.code, 409);
  t.is(e.reason, 'Conflict');
  t.is(
    e.message,
    'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again',
  );
  t.deepEqual((await client.get('configmaps', 'cfg', { namespace: 'default' })).data, { a: '2' });
});

test('apiserver - uppercase names and negative replicas are 422 Invalid naming the field', async (t) => {
  const { client } = await startApi(t);
  const e1 = await statusOf(client.create('pods', pod('Web')));
  t.is(e1.code, 422);
  t.is(e1.reason, 'Invalid');
  t.true(e1.status.details!.causes!.some((c) => c.field === 'metadata.name'));
  t.regex(e1.message, /^Pod "Web" is invalid: metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain/);
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: -1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  };
  const e2 = await statusOf(client.create('deployments', deploy));
  t.is(e2.code, 422);
  t.deepEqual(e2.status.details!.causes!.map((c) => c.field), ['spec.replicas']);
  t.is(e2.message, 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  t.like(e2.status.details, { name: 'web', group: 'apps', kind: 'Deployment' });
});

test('apiserver - NotFound, AlreadyExists and Conflict name the qualified resource, with group and resource apart in the details', async (t) => {
  const { client } = await startApi(t);
  const missing = await statusOf(client.get('deployments', 'web', { namespace: 'default' }));
  t.is(missing.message, 'deployments.apps "web" not found');
  t.deepEqual(missing.status.details, { name: 'web', group: 'apps', kind: 'deployments' });
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' } };
  await client.create('configmaps', cm);
  const dup = await statusOf(client.create('configmaps', cm));
  t.is(dup.message, 'configmaps "cfg" already exists');
  t.deepEqual(dup.status.details, { name: 'cfg', kind: 'configmaps' });
});

test('apiserver - spec changes bump generation, status writes do not; each write path ignores the other part', async (t) => {
  const { client } = await startApi(t);
  const d0 = await client.create('deployments', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  });
  const d1 = await client.updateStatus('deployments', { ...d0, spec: { ...(d0.spec as object), replicas: 9 }, status: { replicas: 1 } });
  t.is(d1.metadata.generation, 1, 'status write keeps generation');
  t.is((d1.spec as { replicas: number }).replicas, 1, 'status write ignores spec');
  t.deepEqual(d1.status, { replicas: 1 });
  const d2 = await client.update('deployments', { ...d1, spec: { ...(d1.spec as object), replicas: 3 }, status: { replicas: 77 } });
  t.is(d2.metadata.generation, 2, 'spec change bumps generation');
  t.deepEqual(d2.status, { replicas: 1 }, 'main write ignores status');
  const d3 = await client.update('deployments', d2);
  t.is(d3.metadata.resourceVersion, d2.metadata.resourceVersion, 'a no-op update writes nothing');
});

test('apiserver - name, uid and creationTimestamp are immutable', async (t) => {
  const { client } = await startApi(t);
  const c = await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' } });
  const u = await client.update('configmaps', { ...c, metadata: { ...c.metadata, creationTimestamp: '2000-01-01T00:00:00Z' }, data: { x: 'y' } });
  t.is(u.metadata.creationTimestamp, c.metadata.creationTimestamp);
  t.is((await statusOf(client.update('configmaps', { ...c, metadata: { ...c.metadata, uid: 'other', resourceVersion: undefined } }))).code, 409);
});

test('apiserver - merge patch and JSON patch; a failing JSON-patch test is 422', async (t) => {
  const { client } = await startApi(t);
  await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1', b: '2' } });
  const m = await client.patch('configmaps', 'cfg', { data: { a: null, c: '3' } }, { namespace: 'default' });
  t.deepEqual(m.data, { b: '2', c: '3' });
  const j = await client.patch('configmaps', 'cfg', [{ op: 'replace', path: '/data/b', value: 'two' }], { namespace: 'default', type: 'json' });
  t.deepEqual(j.data, { b: 'two', c: '3' });
  const e = await statusOf(client.patch('configmaps', 'cfg', [{ op: 'test', path: '/data/b', value: 'nope' }], { namespace: 'default', type: 'json' }));
  t.is(e.code, 422);
  const stale = await statusOf(client.patch('configmaps', 'cfg', { metadata: { resourceVersion: '1' }, data: { z: '1' } }, { namespace: 'default' }));
  t.is(stale.code, 409);
});

test('apiserver - list with label and field selectors; an unsupported field is 400', async (t) => {
  const { client } = await startApi(t);
  await client.create('pods', pod('a', {}, { app: 'web', tier: 'fe' }));
  await client.create('pods', pod('b', {}, { app: 'web', tier: 'be' }));
  await client.create('pods', pod('c', {}, { app: 'db' }));
  const names = async (o: object) => (await client.list('pods', { namespace: 'default', ...o })).items.map((p) => p.metadata.name);
  t.deepEqual(await names({ labelSelector: 'app=web' }), ['a', 'b']);
  t.deepEqual(await names({ labelSelector: 'app in (web,db),tier!=fe' }), ['b', 'c']);
  t.deepEqual(await names({ labelSelector: '!tier' }), ['c']);
  t.deepEqual(await names({ fieldSelector: 'metadata.name=b' }), ['b']);
  t.deepEqual(await names({ fieldSelector: 'spec.nodeName=' }), ['a', 'b', 'c']);
  const e = await statusOf(client.list('pods', { fieldSelector: 'spec.bogus=1' }));
  t.is(e.code, 400);
  t.regex(e.message, /field label not supported: spec.bogus/);
  t.is((await statusOf(client.list('pods', { labelSelector: 'a in (' }))).code, 400);
});

test('apiserver - limit and continue page through a stable revision', async (t) => {
  const { client } = await startApi(t);
  for (let i = 0; i < 10; i++) await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'default' } });
  const p1 = await client.list('configmaps', { namespace: 'default', limit: 4 });
  t.is(p1.items.length, 4);
  t.truthy(p1.metadata.continue);
  // Changes after the first page must not show in later pages.
  await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-99', namespace: 'default' } });
  await client.delete('configmaps', 'cm-8', { namespace: 'default' });
  const p2 = await client.list('configmaps', { namespace: 'default', limit: 4, continue: p1.metadata.continue });
  const p3 = await client.list('configmaps', { namespace: 'default', limit: 4, continue: p2.metadata.continue });
  t.is(p3.metadata.continue, undefined);
  const all = [...p1.items, ...p2.items, ...p3.items].map((c) => c.metadata.name);
  t.deepEqual(all, Array.from({ length: 10 }, (_, i) => `cm-${i}`).sort());
  t.is(p2.metadata.resourceVersion, p1.metadata.resourceVersion);
});

test('apiserver - pods/binding sets nodeName and PodScheduled=True; binding again is 409', async (t) => {
  const { client } = await startApi(t);
  await client.create('pods', pod('web'));
  await client.bind('default', 'web', 'node-1');
  const p = (await client.get('pods', 'web', { namespace: 'default' })) as KubeObject & {
    spec: { nodeName: string };
    status: { conditions: Array<{ type: string; status: string }> };
  };
  t.is(p.spec.nodeName, 'node-1');
  t.like(p.status.conditions.find((c) => c.type === 'PodScheduled'), { status: 'True' });
  const e = await statusOf(client.bind('default', 'web', 'node-2'));
  t.is(e.code, 409);
  t.regex(e.message, /already assigned to node "node-1"/);
});

test('apiserver - pods get the default not-ready/unreachable tolerations (300 s)', async (t) => {
  const { client } = await startApi(t);
  const p = await client.create('pods', pod('web'));
  const tol = (p.spec as unknown as { tolerations: Array<{ key: string; effect: string; tolerationSeconds: number }> }).tolerations;
  t.deepEqual(
    tol.map((x) => [x.key, x.effect, x.tolerationSeconds]),
    [
      ['node.kubernetes.io/not-ready', 'NoExecute', 300],
      ['node.kubernetes.io/unreachable', 'NoExecute', 300],
    ],
  );
});

test('apiserver - services get a cluster IP from 10.96.0.0/12; a taken one is 422', async (t) => {
  const { client } = await startApi(t);
  const svc = (name: string, clusterIP?: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...(clusterIP ? { clusterIP } : {}) },
  });
  const a = await client.create('services', svc('a'));
  const ip = (a.spec as { clusterIP: string }).clusterIP;
  t.regex(ip, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  t.is((await statusOf(client.create('services', svc('b', ip)))).code, 422);
  await client.delete('services', 'a', { namespace: 'default' });
  const c = await client.create('services', svc('c', ip));
  t.is((c.spec as { clusterIP: string }).clusterIP, ip, 'released on delete');
});

test('apiserver - unknown resources are 404, unknown verbs 405, malformed requests 400', async (t) => {
  const { client } = await startApi(t);
  t.is((await statusOf(client.call('widgets', 'get', { name: 'x' }))).code, 404);
  t.is((await statusOf(client.call('pods', 'frobnicate' as 'get', {}))).code, 405);
  t.is((await statusOf(client.call('pods', 'create', [] as never))).code, 400);
  t.is((await statusOf(client.call('pods', 'create', { body: 'not an object' } as never))).code, 400);
  t.is((await statusOf(client.call('pods', 'get', { namespace: 'default' }))).code, 400);
});

test('apiserver - creating in a missing namespace is 404', async (t) => {
  const { client } = await startApi(t);
  const e = await statusOf(client.create('pods', { ...pod('x'), metadata: { name: 'x', namespace: 'nope' } }));
  t.is(e.code, 404);
  t.is(e.message, 'namespaces "nope" not found');
});

test('apiserver - creating a Binding binds its pod; bindings are not stored', async (t) => {
  const { client } = await startApi(t);
  await client.create('pods', pod('web'));
  await client.create('bindings', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web', namespace: 'default' }, target: { kind: 'Node', name: 'n9' } } as KubeObject);
  t.is(((await client.get('pods', 'web', { namespace: 'default' })).spec as { nodeName: string }).nodeName, 'n9');
  t.is((await statusOf(client.list('bindings'))).code, 405);
});

test('client - a list without limit is fetched in pages of 500 and joined, at one revision', async (t) => {
  const { client } = await startApi(t);
  await Promise.all(Array.from({ length: 1234 }, (_, i) => client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'default' } })));
  let calls = 0;
  const call = client.call.bind(client);
  client.call = (async (...args: Parameters<typeof call>) => {
    calls++;
    return call(...args);
  }) as typeof client.call;
  const all = await client.list('configmaps', { namespace: 'default' });
  t.is(all.items.length, 1234);
  t.is(new Set(all.items.map((c) => c.metadata.name)).size, 1234);
  t.is(calls, 3, 'three pages of at most 500');
  t.is(all.metadata.continue, undefined);
});

test('apiserver - concurrent merge patches without a resourceVersion all succeed (retried from a fresh read, as GuaranteedUpdate); a stale resourceVersion still gets 409', async (t) => {
  const { client } = await startApi(t);
  await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: {} } as KubeObject);
  const n = 40;
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => client.patch('configmaps', 'c', { data: { [`k${i}`]: String(i) } }, { namespace: 'default' })));
  const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
  t.deepEqual(failed, []);
  const cm = await client.get<KubeObject & { data: Record<string, string> }>('configmaps', 'c', { namespace: 'default' });
  t.is(Object.keys(cm.data).length, n, 'every patch is in the object');
  const stale = await t.throwsAsync(client.patch('configmaps', 'c', { metadata: { resourceVersion: '1' }, data: { x: 'y' } }, { namespace: 'default' }));
  t.is((stale as StatusError).status.code, 409);
});
