// The real kubectl (/usr/bin/kubectl) against the gateway: a kubeconfig in a temp dir, its own
// cache dir, and an API server in this process. Create and apply pass --validate=false: the
// gateway serves no OpenAPI yet, which kubectl's client-side validation downloads.
import test from 'ava';
import { stringify } from 'yaml';
import { pod } from './helpers/api.ts';
import { startGateway } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';

const deployment = (replicas: number, image = 'nginx:1.27') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
});

test('gateway kubectl - version and api-resources', async (t) => {
  const g = await startGateway(t);
  const v = await g.kubectl(['version']);
  t.is(v.code, 0, v.stderr);
  t.regex(v.stdout, /^Server Version: v1\.32\.0-kubus$/m);
  t.notRegex(v.stderr, /WARNING/);
  const r = await g.kubectl(['api-resources', '-v=6']);
  t.is(r.code, 0, r.stderr);
  // kubectl took the aggregated discovery: two requests, no per-group-version ones.
  t.deepEqual(r.stderr.match(/GET http:\/\/\S+/g)?.map((u) => new URL(u.slice(4)).pathname), ['/api', '/apis']);
  t.regex(r.stdout, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
  t.regex(r.stdout, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  t.regex(r.stdout, /^nodes\s+no\s+v1\s+false\s+Node$/m);
  const all = await g.kubectl(['api-resources', '--categories', 'all', '-o', 'name']);
  // Upstream's `all` category (kubectl get all): workloads, pods, services and HPAs; not e.g. endpointslices or PDBs.
  const upstreamAll = ['cronjobs.batch', 'daemonsets.apps', 'deployments.apps', 'horizontalpodautoscalers.autoscaling', 'jobs.batch', 'pods', 'replicasets.apps', 'replicationcontrollers', 'services', 'statefulsets.apps'];
  t.deepEqual(all.stdout.trim().split('\n').sort(), upstreamAll);
});

test('gateway kubectl - get: nodes, pods -A in wide, json, yaml and jsonpath, label and field selectors', async (t) => {
  const g = await startGateway(t);
  await g.client.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-0', labels: { zone: 'a' } } });
  await g.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  await g.client.create('pods', pod('a', {}, { app: 'x' }));
  await g.client.create('pods', { ...pod('b', {}, { app: 'y' }), metadata: { name: 'b', namespace: 'other', labels: { app: 'y' } } });

  const nodes = await g.kubectl(['get', 'nodes']);
  t.is(nodes.code, 0, nodes.stderr);
  t.regex(nodes.stdout, /^node-0\s/m);
  const wide = await g.kubectl(['get', 'pods', '-A', '-o', 'wide']);
  t.is(wide.code, 0, wide.stderr);
  t.regex(wide.stdout, /^default\s+a\s/m);
  t.regex(wide.stdout, /^other\s+b\s/m);
  // The columns are the server's Table (kubectl prints only NAME and AGE without one), wide ones included.
  t.regex((await g.kubectl(['get', 'pods'])).stdout, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\na\s+0\/1\s+Pending\s+0\s+\d+s\n$/);
  t.regex(wide.stdout, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\n/);
  t.regex(nodes.stdout, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\n/);
  const list = JSON.parse((await g.kubectl(['get', 'pods', '-A', '-o', 'json'])).stdout);
  t.is(list.kind, 'List');
  t.deepEqual(list.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort(), ['a', 'b']);
  t.regex((await g.kubectl(['get', 'pod', 'a', '-o', 'yaml'])).stdout, /^kind: Pod\n(.|\n)*^ {2}name: a$/m);
  t.is((await g.kubectl(['get', 'pods', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}'])).stdout, 'default/a other/b ');
  t.is((await g.kubectl(['get', 'pods', '-A', '-l', 'app=y', '-o', 'name'])).stdout, 'pod/b\n');
  t.is((await g.kubectl(['get', 'pods', '-A', '--field-selector', 'metadata.namespace=default', '-o', 'name'])).stdout, 'pod/a\n');
  // kubectl's own wording for an empty result (it names the namespace even for nodes, as upstream does).
  t.is((await g.kubectl(['get', 'pods', '-l', 'app=none'])).stderr, 'No resources found in default namespace.\n');
});

test('gateway kubectl - create, apply (create, then configure), patch merge and json, label, annotate, scale, delete', async (t) => {
  const g = await startGateway(t);
  const created = await g.kubectl(['create', '--validate=false', '-f', '-'], stringify(pod('p')));
  t.is(created.stdout, 'pod/p created\n', created.stderr);

  t.is((await g.kubectl(['apply', '--validate=false', '-f', '-'], stringify(deployment(1)))).stdout, 'deployment.apps/web created\n');
  t.is((await g.kubectl(['apply', '--validate=false', '-f', '-'], stringify(deployment(2, 'nginx:1.28')))).stdout, 'deployment.apps/web configured\n');
  const applied = await g.client.get<any>('deployments', 'web', { namespace: 'default' });
  t.is(applied.spec.replicas, 2);
  t.is(applied.spec.template.spec.containers[0].image, 'nginx:1.28');
  t.truthy(applied.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
  t.is((await g.kubectl(['apply', '--validate=false', '-f', '-'], stringify(deployment(2, 'nginx:1.28')))).stdout, 'deployment.apps/web unchanged\n');

  t.is((await g.kubectl(['patch', 'pod', 'p', '--type', 'merge', '-p', '{"metadata":{"labels":{"m":"1"}}}'])).stdout, 'pod/p patched\n');
  t.is((await g.kubectl(['patch', 'pod', 'p', '--type', 'json', '-p', '[{"op":"add","path":"/metadata/annotations","value":{"j":"2"}}]'])).stdout, 'pod/p patched\n');
  t.is((await g.kubectl(['label', 'pod', 'p', 'tier=front'])).stdout, 'pod/p labeled\n');
  t.is((await g.kubectl(['annotate', 'pod', 'p', 'note=hi'])).stdout, 'pod/p annotated\n');
  const p = await g.client.get('pods', 'p', { namespace: 'default' });
  t.deepEqual(p.metadata.labels, { m: '1', tier: 'front' });
  t.deepEqual(p.metadata.annotations, { j: '2', note: 'hi' });

  t.is((await g.kubectl(['scale', 'deployment', 'web', '--replicas=5'])).stdout, 'deployment.apps/web scaled\n');
  t.is((await g.client.get<any>('deployments', 'web', { namespace: 'default' })).spec.replicas, 5);
  t.is((await g.kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).stdout, '5');

  t.is((await g.kubectl(['delete', 'pod', 'p'])).stdout, 'pod "p" deleted\n');
  await waitFor(async () => !(await g.client.list('pods')).items.length, 'pod p gone');
  t.is((await g.kubectl(['delete', 'deployment', 'web'])).stdout, 'deployment.apps "web" deleted\n');
});

test('gateway kubectl - get -w prints the current pods, then changes as they come', async (t) => {
  const g = await startGateway(t);
  await g.client.create('pods', pod('first'));
  const w = g.spawnKubectl(['get', 'pods', '-w', '-o', 'name']);
  let out = '';
  w.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  w.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('pod/first'), 'the listed pod', 10_000);
  await g.client.create('pods', pod('second'));
  await waitFor(() => out.includes('pod/second'), 'the watched pod', 10_000);
  t.is(out, 'pod/first\npod/second\n');
  w.kill('SIGKILL');
});

test('gateway kubectl - get -w in table form prints the header once, then one row per change', async (t) => {
  const g = await startGateway(t);
  await g.client.create('pods', pod('first'));
  const w = g.spawnKubectl(['get', 'pods', '-w']);
  let out = '';
  w.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  w.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => void w.kill('SIGKILL'));
  await waitFor(() => /^first\s/m.test(out), 'the listed pod', 10_000);
  await g.client.create('pods', pod('second'));
  await waitFor(() => /^second\s/m.test(out), 'the watched pod', 10_000);
  t.is(out.match(/^NAME\s+READY\s+STATUS/gm)?.length, 1, out);
  t.regex(out, /^second\s+0\/1\s+Pending\s+0\s+\d+s$/m);
});

test("gateway kubectl - NotFound, AlreadyExists, Conflict and Invalid errors print upstream's text", async (t) => {
  const g = await startGateway(t);
  const missing = await g.kubectl(['get', 'pod', 'nope']);
  t.is(missing.code, 1);
  t.is(missing.stderr, 'Error from server (NotFound): pods "nope" not found\n');
  t.is((await g.kubectl(['get', 'deploy', 'nope'])).stderr, 'Error from server (NotFound): deployments.apps "nope" not found\n');

  await g.client.create('pods', pod('x'));
  const exists = await g.kubectl(['create', '--validate=false', '-f', '-'], stringify(pod('x')));
  t.is(exists.stderr, 'Error from server (AlreadyExists): error when creating "STDIN": pods "x" already exists\n');

  const stale = { ...pod('x'), metadata: { name: 'x', namespace: 'default', resourceVersion: '1' } };
  const conflict = await g.kubectl(['replace', '--validate=false', '-f', '-'], stringify(stale));
  t.is(
    conflict.stderr,
    'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again\n',
  );

  const invalid = await g.kubectl(['apply', '--validate=false', '-f', '-'], stringify(deployment(-1)));
  t.is(invalid.code, 1);
  t.is(invalid.stderr, 'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n');
});

test('gateway kubectl - generators (create configmap) send protobuf, which is read; their dry run piped to create -f - works too', async (t) => {
  const g = await startGateway(t);
  t.is((await g.kubectl(['create', 'configmap', 'd', '--from-literal=a=b'])).stdout, 'configmap/d created\n');
  t.deepEqual((await g.client.get<any>('configmaps', 'd', { namespace: 'default' })).data, { a: 'b' });
  const yaml = await g.kubectl(['create', 'configmap', 'c', '--from-literal=a=b', '--dry-run=client', '-o', 'yaml']);
  t.is((await g.kubectl(['create', '--validate=false', '-f', '-'], yaml.stdout)).stdout, 'configmap/c created\n');
  t.deepEqual((await g.client.get<any>('configmaps', 'c', { namespace: 'default' })).data, { a: 'b' });
});
