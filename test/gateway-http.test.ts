// The gateway over plain HTTP (fetch): fixed paths, discovery, bodies and errors, watch streams,
// and the same answers as the bus.
import test from 'ava';
import type { ApiServerStats } from '../actors/apiserver/server.ts';
import type { KubeObject } from '../api/meta.ts';
import { APISERVER_STATS } from '../bus/subjects.ts';
import { pod } from './helpers/api.ts';
import { startGateway, watchLines, type GatewayEnv } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

const json = async (g: GatewayEnv, path: string, init: RequestInit = {}) => {
  const r = await fetch(g.url + path, init);
  return { code: r.status, type: r.headers.get('content-type'), body: (await r.json()) as Record<string, any> };
};

const post = (g: GatewayEnv, path: string, body: string, type = 'application/json', method = 'POST') =>
  json(g, path, { method, body, headers: { 'Content-Type': type } });

test('gateway - /version says kubus with minor "32"; health checks answer ok', async (t) => {
  const g = await startGateway(t);
  const v = await json(g, '/version');
  t.is(v.code, 200);
  t.like(v.body, { major: '1', minor: '32' });
  t.regex(v.body.gitVersion, /^v1\.32\.\d+-kubus$/);
  t.truthy(v.body.platform);
  for (const p of ['/healthz', '/livez', '/readyz']) {
    const r = await fetch(g.url + p);
    t.is(r.status, 200, p);
    t.is(await r.text(), 'ok', p);
  }
});

test('gateway - discovery: /api, /apis, resource lists with verbs, short names, categories and subresources', async (t) => {
  const g = await startGateway(t);
  t.deepEqual((await json(g, '/api')).body.versions, ['v1']);
  const groups = (await json(g, '/apis')).body.groups.map((x: { name: string }) => x.name);
  t.true(groups.includes('apps') && groups.includes('batch') && groups.includes('coordination.k8s.io'));
  // In upstream's group priority order (apps first, flowcontrol last; equal priorities by name).
  const known = ['apps', 'autoscaling', 'batch', 'networking.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'node.k8s.io', 'discovery.k8s.io', 'flowcontrol.apiserver.k8s.io'];
  t.deepEqual(groups.filter((x: string) => known.includes(x)), known);
  t.like((await json(g, '/apis/apps')).body, { kind: 'APIGroup', name: 'apps', preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } });
  // kubectl asks for aggregated discovery first; plain application/json makes it fall back to this format.
  const core = await json(g, '/api/v1', { headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
  t.is(core.type, 'application/json');
  const byName = new Map<string, any>(core.body.resources.map((r: { name: string }) => [r.name, r]));
  t.like(byName.get('pods'), { singularName: 'pod', namespaced: true, kind: 'Pod', shortNames: ['po'], categories: ['all'] });
  t.deepEqual(byName.get('pods').verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  t.like(byName.get('pods/status'), { kind: 'Pod', verbs: ['get', 'patch', 'update'] });
  t.like(byName.get('nodes'), { namespaced: false });
  t.is(byName.get('configmaps').categories, undefined);
  t.deepEqual(core.body.resources.slice(0, 3).map((r: { name: string }) => r.name), ['bindings', 'configmaps', 'endpoints'], 'resources and subresources by name, as upstream');
  t.deepEqual(core.body.resources.filter((r: { name: string }) => r.name.startsWith('pods/')).map((r: { name: string }) => r.name), ['pods/attach', 'pods/binding', 'pods/eviction', 'pods/exec', 'pods/log', 'pods/portforward', 'pods/status']);
  const apps = new Map<string, any>((await json(g, '/apis/apps/v1')).body.resources.map((r: { name: string }) => [r.name, r]));
  t.like(apps.get('deployments/scale'), { kind: 'Scale', group: 'autoscaling', version: 'v1' });
  t.like(apps.get('deployments'), { categories: ['all'], shortNames: ['deploy'] });
  t.is((await json(g, '/apis/nope.example.com/v1')).code, 404);
});

test('gateway - aggregated discovery (apidiscovery.k8s.io/v2) when Accept asks for it', async (t) => {
  const g = await startGateway(t);
  const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
  const apis = await json(g, '/apis', { headers: { Accept: accept } });
  t.is(apis.type, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  t.like(apis.body, { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
  const apps = apis.body.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'apps');
  t.like(apps.versions[0], { version: 'v1', freshness: 'Current' });
  const deployments = apps.versions[0].resources.find((r: { resource: string }) => r.resource === 'deployments');
  t.like(deployments, { responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, scope: 'Namespaced', singularResource: 'deployment', shortNames: ['deploy'], categories: ['all'] });
  t.deepEqual(deployments.subresources.map((s: { subresource: string }) => s.subresource), ['scale', 'status']);
  t.like(deployments.subresources[0], { responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } });
  // Each version's resources by name, as upstream registers them.
  const names = apps.versions[0].resources.map((r: { resource: string }) => r.resource);
  t.deepEqual(names, names.toSorted());
  const core = await json(g, '/api', { headers: { Accept: accept } });
  t.is(core.body.items.length, 1);
  t.like(core.body.items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'nodes'), { scope: 'Cluster', responseKind: { group: '', kind: 'Node' } });
  t.deepEqual(core.body.items[0].versions[0].resources.slice(0, 3).map((r: { resource: string }) => r.resource), ['bindings', 'configmaps', 'endpoints']);
  t.is((await json(g, '/apis')).body.kind, 'APIGroupList', 'without the Accept: the legacy format');
});

test('gateway - unknown resources and paths are 404 Status, as upstream', async (t) => {
  const g = await startGateway(t);
  for (const p of ['/api/v1/widgets', '/apis/apps/v1/pods', '/api/v1/deployments', '/api/v1/pods/x', '/api/v1/namespaces/default/nodes', '/nope']) {
    const r = await json(g, p);
    t.is(r.code, 404, p);
    t.like(r.body, { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'the server could not find the requested resource', code: 404 }, p);
  }
});

test('gateway - bodies: YAML accepted, protobuf 415 with advice, malformed JSON 400, oversized 413', async (t) => {
  const g = await startGateway(t);
  const made = await post(g, '/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\ndata: {a: "1"}\n', 'application/yaml');
  t.is(made.code, 201);
  t.like(made.body, { metadata: { name: 'y', namespace: 'default' }, data: { a: '1' } });
  const proto = await post(g, '/api/v1/namespaces/default/pods', 'k8s\0', 'application/vnd.kubernetes.protobuf');
  t.is(proto.code, 415);
  t.regex(proto.body.message, /ContentType: "application\/json"/);
  const bad = await post(g, '/api/v1/namespaces/default/pods', '{"kind": ');
  t.is(bad.code, 400);
  t.like(bad.body, { kind: 'Status', reason: 'BadRequest' });
  const big = await post(g, '/api/v1/namespaces/default/configmaps', JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024 + 1) } }));
  t.is(big.code, 413);
});

test('gateway - bus errors keep their Status and HTTP code (404, 409, 422)', async (t) => {
  const g = await startGateway(t);
  t.like((await json(g, '/api/v1/namespaces/default/pods/nope')).body, { code: 404, reason: 'NotFound', message: 'pods "nope" not found', details: { name: 'nope', kind: 'pods' } });
  t.is((await post(g, '/api/v1/namespaces/default/pods', JSON.stringify(pod('a')))).code, 201);
  const again = await post(g, '/api/v1/namespaces/default/pods', JSON.stringify(pod('a')));
  t.is(again.code, 409);
  t.is(again.body.message, 'pods "a" already exists');
  const stale = await post(g, '/api/v1/namespaces/default/pods/a', JSON.stringify({ ...pod('a'), metadata: { name: 'a', namespace: 'default', resourceVersion: '1' } }), 'application/json', 'PUT');
  t.is(stale.code, 409);
  t.like(stale.body, { reason: 'Conflict' });
  const invalid = await post(g, '/api/v1/namespaces/default/pods', JSON.stringify(pod('Bad_Name')));
  t.is(invalid.code, 422);
  t.like(invalid.body, { reason: 'Invalid', details: { kind: 'Pod', name: 'Bad_Name' } });
  // Server-side apply without a fieldManager: upstream's 422 on PatchOptions.
  const apply = await post(g, '/api/v1/namespaces/default/pods/a', '{}', 'application/apply-patch+yaml', 'PATCH');
  t.is(apply.code, 422);
  t.is(apply.body.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
});

test('gateway - the same object over HTTP and over the bus', async (t) => {
  const g = await startGateway(t);
  const created = await post(g, '/api/v1/namespaces/default/pods', JSON.stringify(pod('same', {}, { app: 'x' })));
  const viaBus = await g.client.get('pods', 'same', { namespace: 'default' });
  t.deepEqual(created.body, viaBus);
  t.deepEqual((await json(g, '/api/v1/namespaces/default/pods/same')).body, viaBus);
  const list = await json(g, '/api/v1/pods?labelSelector=app%3Dx');
  t.deepEqual(list.body.items, (await g.client.list('pods', { labelSelector: 'app=x' })).items);
  t.is(list.body.kind, 'PodList');
});

test('gateway - list pages with limit and continue', async (t) => {
  const g = await startGateway(t);
  for (const n of ['p1', 'p2', 'p3']) await g.client.create('pods', pod(n));
  const first = await json(g, '/api/v1/namespaces/default/pods?limit=2');
  t.is(first.body.items.length, 2);
  t.truthy(first.body.metadata.continue);
  const rest = await json(g, `/api/v1/namespaces/default/pods?limit=2&continue=${encodeURIComponent(first.body.metadata.continue)}`);
  t.deepEqual(rest.body.items.map((p: KubeObject) => p.metadata.name), ['p3']);
});

test('gateway - dryRun=All on create writes nothing and answers what would be written', async (t) => {
  const g = await startGateway(t);
  const r = await post(g, '/api/v1/namespaces/default/pods?dryRun=All', JSON.stringify(pod('dry')));
  t.is(r.code, 201);
  t.like(r.body, { metadata: { name: 'dry', namespace: 'default' } });
  t.is((await json(g, '/api/v1/namespaces/default/pods/dry')).code, 404);
  t.is((await post(g, '/api/v1/namespaces/default/pods?dryRun=Some', JSON.stringify(pod('dry')))).code, 400);
});

test('gateway - status and scale subresources; delete with a body; deletecollection with a selector', async (t) => {
  const g = await startGateway(t);
  const dep = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  t.is((await post(g, '/apis/apps/v1/namespaces/default/deployments', JSON.stringify(dep))).code, 201);
  const scale = await json(g, '/apis/apps/v1/namespaces/default/deployments/web/scale');
  t.like(scale.body, { apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 1 }, status: { replicas: 0, selector: 'app=web' } });
  const patched = await post(g, '/apis/apps/v1/namespaces/default/deployments/web/scale', '{"spec":{"replicas":4}}', 'application/merge-patch+json', 'PATCH');
  t.like(patched.body, { kind: 'Scale', spec: { replicas: 4 } });
  t.is((await g.client.get<any>('deployments', 'web', { namespace: 'default' })).spec.replicas, 4);
  const negative = await post(g, '/apis/apps/v1/namespaces/default/deployments/web/scale', '{"spec":{"replicas":-1}}', 'application/merge-patch+json', 'PATCH');
  t.like(negative.body, {
    code: 422,
    message: 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    details: { name: 'web', group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', field: 'spec.replicas' }] },
  });
  const st = await post(g, '/apis/apps/v1/namespaces/default/deployments/web/status', '{"status":{"replicas":2}}', 'application/merge-patch+json', 'PATCH');
  t.is(st.code, 200);
  t.is(st.body.status.replicas, 2);

  for (const [n, l] of [['a', 'x'], ['b', 'x'], ['c', 'y']]) await g.client.create('pods', pod(n, {}, { group: l }));
  const del = await post(g, '/api/v1/namespaces/default/pods/a', JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: '1' } }), 'application/json', 'DELETE');
  t.is(del.code, 409, 'a precondition in the body is honoured');
  const coll = await json(g, '/api/v1/namespaces/default/pods?labelSelector=group%3Dx', { method: 'DELETE' });
  t.is(coll.code, 200);
  t.deepEqual(coll.body.items.map((p: KubeObject) => p.metadata.name).sort(), ['a', 'b']);
  await waitFor(async () => (await g.client.list('pods')).items.length === 1, 'only c left');

  // A delete that finishes at once answers a Success Status naming the object; pods answer with the object.
  const gone = await json(g, '/apis/apps/v1/namespaces/default/deployments/web', { method: 'DELETE' });
  t.like(gone.body, { kind: 'Status', status: 'Success', details: { name: 'web', group: 'apps', kind: 'deployments' } });
  t.like((await json(g, '/api/v1/namespaces/default/pods/c', { method: 'DELETE' })).body, { kind: 'Pod', metadata: { name: 'c' } });
  await g.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] } });
  const held = await json(g, '/api/v1/namespaces/default/configmaps/held', { method: 'DELETE' });
  t.like(held.body, { kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } }, 'held by a finalizer: the object');
  t.truthy(held.body.metadata.deletionTimestamp);
});

test('gateway - watch: newline-delimited events flushed one by one; timeoutSeconds ends the stream', async (t) => {
  const g = await startGateway(t);
  await g.client.create('pods', pod('w1'));
  // 5 s: the three writes below must land before the stream ends (2 s was too short at load 17).
  const w = watchLines(t, g.url, '/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=5');
  t.teardown(w.stop);
  await waitFor(() => w.lines.length === 1, 'the initial ADDED');
  t.like(w.lines[0], { type: 'ADDED', object: { metadata: { name: 'w1' } } });
  await g.client.create('pods', pod('w2'));
  await waitFor(() => w.lines.length === 2, 'ADDED w2, without waiting for more');
  t.like(w.lines[1], { type: 'ADDED', object: { kind: 'Pod', metadata: { name: 'w2' } } });
  await g.client.delete('pods', 'w1', { namespace: 'default' });
  await waitFor(() => w.lines.some((l) => l.type === 'DELETED'), 'DELETED w1');
  await w.done;
  t.is(w.code(), 200);
});

test('gateway - a watch-list request (sendInitialEvents) gets the 422 client-go falls back from', async (t) => {
  const g = await startGateway(t);
  const r = await json(g, '/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
  t.is(r.code, 422);
  t.like(r.body, { kind: 'Status', reason: 'Invalid' });
  t.regex(r.body.message, /sendInitialEvents: Forbidden/);
});

test('gateway - watch from a compacted resourceVersion: 200 and one ERROR event with a 410 Status', async (t) => {
  const g = await startGateway(t);
  for (const n of ['c1', 'c2', 'c3']) await g.client.create('pods', pod(n));
  const rv = Number((await g.client.list('pods')).metadata.resourceVersion);
  g.store.compact(rv);
  const w = watchLines(t, g.url, '/api/v1/pods?watch=1&resourceVersion=1');
  t.teardown(w.stop);
  await w.done;
  t.is(w.code(), 200);
  t.is(w.lines.length, 1);
  t.like(w.lines[0], { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
});

test('gateway - watch with allowWatchBookmarks passes BOOKMARK events on', async (t) => {
  const g = await startGateway(t, { bookmarkMs: 100 });
  await g.client.create('pods', pod('b1'));
  const rv = (await g.client.list('pods')).metadata.resourceVersion;
  const w = watchLines(t, g.url, `/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`);
  t.teardown(w.stop);
  await waitFor(() => w.lines.some((l) => l.type === 'BOOKMARK'), 'a BOOKMARK', 5000);
  t.like(w.lines.find((l) => l.type === 'BOOKMARK'), { object: { kind: 'Pod', metadata: { resourceVersion: rv } } });
});

test('gateway - a client that leaves a watch ends its bus watch', async (t) => {
  const g = await startGateway(t);
  const watches = async () => (await g.client.bus.request<ApiServerStats>(APISERVER_STATS, {})).data.watches;
  // The gateway keeps one watch of its own: the CRDs it serves.
  await waitFor(async () => (await watches()) === 1, "the gateway's CRD watch");
  const w = watchLines(t, g.url, '/api/v1/pods?watch=1');
  await g.client.create('pods', pod('seen'));
  await waitFor(() => w.lines.length === 1, 'the first event');
  t.is(await watches(), 2);
  w.stop();
  await waitFor(async () => (await watches()) === 1, 'the bus watch gone');
  t.pass();
});
