// Server-side dry runs through the gateway with the real kubectl: apply --dry-run=server,
// delete --dry-run=server and kubectl diff (which dry-runs its patch) write nothing.
// Create and apply pass --validate=false until OpenAPI is served (kubectl validates against it).
import test from 'ava';
import { existsSync } from 'node:fs';
import { startGateway } from './helpers/gateway.ts';

const configMap = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  namespace: default
data:
  a: "${value}"
`;

const dataOf = async (g: Awaited<ReturnType<typeof startGateway>>) =>
  (await g.client.get('configmaps', 'c', { namespace: 'default' })).data as Record<string, string>;

test('kubectl - apply --dry-run=server creates and configures nothing', async (t) => {
  const g = await startGateway(t);
  const revision = g.store.revision;
  const created = await g.kubectl(['apply', '--validate=false', '--dry-run=server', '-f', '-'], configMap('1'));
  t.is(created.code, 0, created.stderr);
  t.is(created.stdout.trim(), 'configmap/c created (server dry run)');
  t.is(g.store.revision, revision, 'nothing written');
  t.is((await g.kubectl(['get', 'configmap', 'c'])).code, 1, 'not there');

  t.is((await g.kubectl(['apply', '--validate=false', '-f', '-'], configMap('1'))).code, 0);
  const before = g.store.revision;
  const configured = await g.kubectl(['apply', '--validate=false', '--dry-run=server', '-f', '-', '-o', 'jsonpath={.data.a}'], configMap('2'));
  t.is(configured.code, 0, configured.stderr);
  t.is(configured.stdout, '2', 'the answer is what would be stored');
  t.is(g.store.revision, before, 'nothing written');
  t.deepEqual(await dataOf(g), { a: '1' });
});

test('kubectl - delete --dry-run=server says deleted and the pod stays', async (t) => {
  const g = await startGateway(t);
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n';
  t.is((await g.kubectl(['create', '--validate=false', '-f', '-'], pod)).code, 0);
  const revision = g.store.revision;
  const r = await g.kubectl(['delete', 'pod', 'p', '--dry-run=server']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), 'pod "p" deleted (server dry run)');
  t.is(g.store.revision, revision);
  const still = await g.kubectl(['get', 'pod', 'p', '-o', 'jsonpath={.metadata.name}{.metadata.deletionTimestamp}']);
  t.is(still.stdout, 'p', 'still there, not being deleted');
});

test('kubectl - diff: exit 1 with the change shown; exit 0 when nothing would change', async (t) => {
  if (!existsSync('/usr/bin/diff')) return t.fail('kubectl diff needs /usr/bin/diff (Debian: diffutils)');
  const g = await startGateway(t);
  t.is((await g.kubectl(['apply', '--validate=false', '-f', '-'], configMap('1'))).code, 0);
  const revision = g.store.revision;
  const changed = await g.kubectl(['diff', '-f', '-'], configMap('2'));
  t.is(changed.code, 1, changed.stderr);
  t.regex(changed.stdout, /^-\s+a: "1"$/m);
  t.regex(changed.stdout, /^\+\s+a: "2"$/m);
  t.is(g.store.revision, revision, 'diff wrote nothing');
  const same = await g.kubectl(['diff', '-f', '-'], configMap('1'));
  t.is(same.code, 0, same.stderr + same.stdout);
  t.is(same.stdout, '');
  t.deepEqual(await dataOf(g), { a: '1' });
});

test('gateway - dryRun=All over HTTP on PUT, PATCH, status, scale, DELETE (query or DeleteOptions body), deletecollection and binding writes nothing', async (t) => {
  const g = await startGateway(t);
  const dep = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  const created = await g.client.create('deployments', dep as never);
  await g.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', labels: { x: 'y' } } } as never);
  await g.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } as never);
  const base = `${g.url}/apis/apps/v1/namespaces/default/deployments/web`;
  const send = async (method: string, url: string, body?: unknown, type = 'application/json') => {
    const r = await fetch(url, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'Content-Type': type } });
    return { code: r.status, body: (await r.json()) as Record<string, any> };
  };
  const revision = g.store.revision;
  const cases: Array<[string, Promise<{ code: number; body: Record<string, any> }>, (b: Record<string, any>) => unknown]> = [
    ['PUT', send('PUT', `${base}?dryRun=All`, { ...created, spec: { ...created.spec as object, replicas: 5 } }), (b) => b.spec.replicas === 5],
    ['PATCH', send('PATCH', `${base}?dryRun=All`, { spec: { replicas: 6 } }, 'application/merge-patch+json'), (b) => b.spec.replicas === 6],
    ['PUT status', send('PUT', `${base}/status?dryRun=All`, { ...created, status: { replicas: 9 } }), (b) => b.status.replicas === 9],
    ['PATCH status', send('PATCH', `${base}/status?dryRun=All`, { status: { replicas: 8 } }, 'application/merge-patch+json'), (b) => b.status.replicas === 8],
    ['PUT scale', send('PUT', `${base}/scale?dryRun=All`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 7 } }), (b) => b.spec.replicas === 7],
    ['PATCH scale', send('PATCH', `${base}/scale?dryRun=All`, { spec: { replicas: 4 } }, 'application/merge-patch+json'), (b) => b.spec.replicas === 4],
    ['DELETE', send('DELETE', `${base}?dryRun=All`), (b) => b.status === 'Success'],
    ['DELETE with DeleteOptions', send('DELETE', base, { apiVersion: 'v1', kind: 'DeleteOptions', dryRun: ['All'] }), (b) => b.status === 'Success'],
    ['deletecollection', send('DELETE', `${g.url}/api/v1/namespaces/default/configmaps?dryRun=All&labelSelector=x%3Dy`), (b) => b.items.length === 1],
    ['binding', send('POST', `${g.url}/api/v1/namespaces/default/pods/p/binding?dryRun=All`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' }, target: { kind: 'Node', name: 'n1' } }), (b) => b.status === 'Success'],
  ];
  for (const [what, reply, ok] of cases) {
    const r = await reply;
    t.is(r.code, what === 'binding' ? 201 : 200, `${what}: ${JSON.stringify(r.body).slice(0, 300)}`);
    t.true(!!ok(r.body), `${what}: ${JSON.stringify(r.body).slice(0, 300)}`);
  }
  t.is(g.store.revision, revision, 'nothing written');
  t.is((await g.client.get('deployments', 'web', { namespace: 'default' })).metadata.resourceVersion, created.metadata.resourceVersion);
  t.is((await send('PATCH', `${base}?dryRun=Some`, { spec: { replicas: 2 } }, 'application/merge-patch+json')).code, 400, 'only All is a dry run value');
});
