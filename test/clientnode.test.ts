// The official JavaScript client (@kubernetes/client-node, JSON over HTTP) against the gateway:
// typed CRUD and list, a raw watch, and an informer that outlives an API server restart and compaction.
import test from 'ava';
import * as k8s from '@kubernetes/client-node';
import { apiserverActor } from '../actors/apiserver/apiserver.actor.ts';
import { serving } from '../runtime/control-plane.ts';
import { startGateway, type GatewayEnv } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

const NS = 'default';

function clients(env: GatewayEnv) {
  const kc = new k8s.KubeConfig();
  // The kubeconfig kubus writes, as is: it says insecure-skip-tls-verify for its plain-http server, which client-node requires.
  kc.loadFromFile(env.kubeconfig);
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api) };
}

const configMap = (name: string, data: Record<string, string> = {}): k8s.V1ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data });

/** Awaits a call expected to fail; returns the ApiException (code and the Status body). */
async function failure(p: Promise<unknown>): Promise<{ code: number; status: { reason?: string; code?: number; message?: string } }> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof k8s.ApiException)) throw err;
    return { code: err.code, status: typeof err.body === 'string' ? JSON.parse(err.body) : err.body };
  }
  throw new Error('the call succeeded');
}

test('client-node: ConfigMap create, read, replace, list, delete', async (t) => {
  const env = await startGateway(t);
  const { core } = clients(env);
  const created = await core.createNamespacedConfigMap({ namespace: NS, body: configMap('one', { a: '1' }) });
  t.is(created.metadata?.name, 'one');
  t.truthy(created.metadata?.uid);
  t.regex(created.metadata?.resourceVersion ?? '', /^\d+$/);
  const read = await core.readNamespacedConfigMap({ name: 'one', namespace: NS });
  t.deepEqual(read.data, { a: '1' });
  t.true(read.metadata?.creationTimestamp instanceof Date, 'the client parsed the timestamp');
  const replaced = await core.replaceNamespacedConfigMap({ name: 'one', namespace: NS, body: { ...read, data: { a: '2' } } });
  t.deepEqual(replaced.data, { a: '2' });
  t.true(Number(replaced.metadata?.resourceVersion) > Number(read.metadata?.resourceVersion));
  // A replace with the old resourceVersion is a conflict.
  const stale = await failure(core.replaceNamespacedConfigMap({ name: 'one', namespace: NS, body: { ...read, data: { a: '3' } } }));
  t.is(stale.code, 409);
  t.is(stale.status.reason, 'Conflict');
  await core.createNamespacedConfigMap({ namespace: NS, body: configMap('two') });
  const list = await core.listNamespacedConfigMap({ namespace: NS });
  t.deepEqual(list.items.map((c) => c.metadata?.name).sort(), ['one', 'two']);
  t.regex(list.metadata?.resourceVersion ?? '', /^\d+$/);
  const dup = await failure(core.createNamespacedConfigMap({ namespace: NS, body: configMap('two') }));
  t.is(dup.code, 409);
  t.is(dup.status.reason, 'AlreadyExists');
  t.is(dup.status.message, 'configmaps "two" already exists');
  await core.deleteNamespacedConfigMap({ name: 'one', namespace: NS });
  const gone = await failure(core.readNamespacedConfigMap({ name: 'one', namespace: NS }));
  t.is(gone.code, 404);
  t.is(gone.status.message, 'configmaps "one" not found');
});

test('client-node: Deployment create, read, replace, list, delete', async (t) => {
  const env = await startGateway(t);
  const { apps } = clients(env);
  const labels = { app: 'web' };
  const body: k8s.V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
  };
  const created = await apps.createNamespacedDeployment({ namespace: NS, body });
  t.is(created.spec?.replicas, 2);
  t.is(created.spec?.strategy?.type, 'RollingUpdate', 'defaults came back');
  const read = await apps.readNamespacedDeployment({ name: 'web', namespace: NS });
  const replaced = await apps.replaceNamespacedDeployment({ name: 'web', namespace: NS, body: { ...read, spec: { ...read.spec!, replicas: 3 } } });
  t.is(replaced.spec?.replicas, 3);
  t.is(replaced.metadata?.generation, 2);
  const invalid = await failure(apps.createNamespacedDeployment({ namespace: NS, body: { ...body, metadata: { name: 'Bad_Name', namespace: NS } } }));
  t.is(invalid.code, 422);
  t.is(invalid.status.reason, 'Invalid');
  const list = await apps.listNamespacedDeployment({ namespace: NS });
  t.deepEqual(list.items.map((d) => d.metadata?.name), ['web']);
  await apps.deleteNamespacedDeployment({ name: 'web', namespace: NS });
  t.deepEqual((await apps.listDeploymentForAllNamespaces()).items, []);
});

test('client-node: a Watch sees ADDED, MODIFIED and DELETED', async (t) => {
  const env = await startGateway(t);
  const { kc, core } = clients(env);
  const seen: string[] = [];
  let ended = false;
  const req = await new k8s.Watch(kc).watch(
    `/api/v1/namespaces/${NS}/configmaps`,
    { resourceVersion: (await core.listNamespacedConfigMap({ namespace: NS })).metadata?.resourceVersion },
    (type, obj: k8s.V1ConfigMap) => seen.push(`${type} ${obj.metadata?.name} ${JSON.stringify(obj.data ?? {})}`),
    () => (ended = true),
  );
  t.teardown(() => req.abort());
  await core.createNamespacedConfigMap({ namespace: NS, body: configMap('w', { v: '1' }) });
  await core.patchNamespacedConfigMap({ name: 'w', namespace: NS, body: { data: { v: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await core.deleteNamespacedConfigMap({ name: 'w', namespace: NS });
  await waitFor(() => seen.length >= 3, 'three watch events');
  t.deepEqual(seen, ['ADDED w {"v":"1"}', 'MODIFIED w {"v":"2"}', 'DELETED w {"v":"2"}']);
  t.false(ended);
});

/** An informer over configmaps in NS whose cache is readable as name → data.v; restarted on error as client-node documents. */
async function informer(t: import('ava').ExecutionContext, env: GatewayEnv) {
  const { kc, core } = clients(env);
  const stats = { lists: 0, connects: 0, errors: 0, deletes: [] as string[] };
  const list = () => {
    stats.lists++;
    return core.listNamespacedConfigMap({ namespace: NS });
  };
  // makeInformer is typed as a bare Informer; it returns a ListWatch, whose cache we read.
  const inf = k8s.makeInformer(kc, `/api/v1/namespaces/${NS}/configmaps`, list) as k8s.ListWatch<k8s.V1ConfigMap>;
  let stopped = false;
  inf.on('connect', () => stats.connects++);
  inf.on('delete', (o) => stats.deletes.push(o.metadata!.name!));
  inf.on('error', () => {
    stats.errors++;
    // The documented recovery: start again after a pause (the gateway answers 503 while the API server is away).
    if (!stopped) setTimeout(() => void inf.start().catch(() => {}), 50);
  });
  t.teardown(() => {
    stopped = true;
    return inf.stop();
  });
  await inf.start();
  const cache = () => Object.fromEntries(inf.list(NS).map((c) => [c.metadata!.name!, c.data?.v]));
  // Stopping aborts the watch, which client-node reports as an error: no restart then.
  const pause = () => {
    stopped = true;
    return inf.stop();
  };
  const resume = () => {
    stopped = false;
    return inf.start();
  };
  return { inf, core, stats, cache, pause, resume };
}

test('client-node: an informer keeps its cache through an API server restart', async (t) => {
  const env = await startGateway(t);
  const { core, cache, stats } = await informer(t, env);
  await core.createNamespacedConfigMap({ namespace: NS, body: configMap('before', { v: '1' }) });
  await waitFor(() => cache().before === '1', 'the informer saw the first ConfigMap');
  await env.host.stop('apiserver');
  const api = env.host.start(apiserverActor, 'apiserver', { store: env.store });
  await serving(api);
  await core.createNamespacedConfigMap({ namespace: NS, body: configMap('after', { v: '2' }) });
  await core.patchNamespacedConfigMap({ name: 'before', namespace: NS, body: { data: { v: '3' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await waitFor(() => cache().after === '2' && cache().before === '3', 'the informer saw the changes after the restart', 15_000);
  t.true(stats.connects >= 2, 'the informer reconnected');
});

test('client-node: an informer whose resourceVersion was compacted gets 410 and lists again', async (t) => {
  const env = await startGateway(t, { compactMs: 100 });
  const { inf, core, cache, stats, pause, resume } = await informer(t, env);
  await core.createNamespacedConfigMap({ namespace: NS, body: configMap('keep', { v: '1' }) });
  await core.createNamespacedConfigMap({ namespace: NS, body: configMap('drop', { v: '1' }) });
  await waitFor(() => cache().keep === '1' && cache().drop === '1', 'the informer saw both');
  await pause();
  const from = Number(inf.latestResourceVersion());
  await core.patchNamespacedConfigMap({ name: 'keep', namespace: NS, body: { data: { v: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  await core.deleteNamespacedConfigMap({ name: 'drop', namespace: NS });
  await waitFor(() => env.store.compactedRevision > from, 'history past the informer compacted');
  // A watch from there: 200, then one ERROR event with 410, as upstream's watch cache answers.
  const res = await fetch(`${env.url}/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${from}`);
  t.is(res.status, 200);
  const ev = JSON.parse((await res.text()).trim());
  t.is(ev.type, 'ERROR');
  t.is(ev.object.code, 410);
  t.is(ev.object.reason, 'Expired');
  const lists = stats.lists;
  await resume();
  await waitFor(() => cache().keep === '2' && cache().drop === undefined, 'the informer listed again');
  t.true(stats.lists > lists);
  t.deepEqual(stats.deletes, ['drop'], 'the relist found the deleted one gone');
});
