// /openapi/v3 and fieldValidation through the gateway: the documents over HTTP, and the real kubectl
// (apply without --validate=false, upstream's strict-decoding error, explain with documentation).
import test from 'ava';
import { parse, stringify } from 'yaml';
import type { KubeObject } from '../api/meta.ts';
import { GnosticDocument } from '../api/openapi/gnostic.ts';
import { allResources, servedResources } from '../api/resources.ts';
import { startGateway } from './helpers/gateway.ts';

const deployment = (extra: Record<string, unknown> = {}, image = 'nginx:1.27') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } }, ...extra },
});

const send = (url: string, method: string, body: string, type = 'application/json') => fetch(url, { method, body, headers: { 'Content-Type': type } });
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

test('gateway openapi - /openapi/v3 indexes one document per group-version; a document names kinds, paths and patch strategies as upstream', async (t) => {
  const g = await startGateway(t);
  const index = (await (await fetch(`${g.url}/openapi/v3`)).json()) as { paths: Record<string, { serverRelativeURL: string }> };
  // One document per group-version the resource table serves, so a new kind's group shows up by itself.
  const served = new Set(servedResources().map((d) => (d.group ? `apis/${d.group}/${d.version}` : `api/${d.version}`)));
  t.deepEqual(Object.keys(index.paths).sort(), [...served].sort());
  for (const gv of ['api/v1', 'apis/apps/v1', 'apis/batch/v1', 'apis/autoscaling/v2', 'apis/policy/v1']) t.true(gv in index.paths, gv);
  t.regex(index.paths['apis/apps/v1'].serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  const res = await fetch(`${g.url}${index.paths['apis/apps/v1'].serverRelativeURL}`);
  t.is(res.status, 200);
  t.is(res.headers.get('content-type'), 'application/json');
  const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };
  t.is(doc.openapi, '3.0.0');
  const s = doc.components.schemas;
  t.deepEqual(s['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  t.deepEqual(s['io.k8s.api.apps.v1.Deployment'].properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
  t.is(s['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  t.like(s['io.k8s.api.core.v1.PodSpec'].properties.containers, { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', items: { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' } });
  t.regex(s['io.k8s.api.apps.v1.DeploymentStrategy'].properties.type.description, /Recreate/);
  // kubectl turns on server-side validation when a PATCH of the kind takes fieldValidation.
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  t.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  t.true(patch.parameters.some((p: { name: string; in: string }) => p.name === 'fieldValidation' && p.in === 'query'));
  t.truthy(patch.requestBody.content['application/strategic-merge-patch+json']);
  // Every $ref resolves within the document.
  const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g)!;
  t.deepEqual(refs.map((r) => r.slice(22, -1)).filter((n) => !s[n]), []);
  const core = (await (await fetch(`${g.url}/openapi/v3/api/v1`)).json()) as typeof doc;
  t.truthy(core.components.schemas['io.k8s.api.core.v1.Pod']);
  t.is((await fetch(`${g.url}/openapi/v3/apis/nope/v1`)).status, 404);
});

test('gateway openapi - /openapi/v2 is Swagger 2.0 with every definition, in JSON and as gnostic protobuf with the same content', async (t) => {
  const g = await startGateway(t);
  const v2 = (await (await fetch(`${g.url}/openapi/v2`)).json()) as { swagger: string; paths: Record<string, Record<string, any>>; definitions: Record<string, any> };
  t.is(v2.swagger, '2.0');
  const d = v2.definitions;
  t.deepEqual(d['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  // v2 writes a described reference as $ref beside its description (v3 needs allOf).
  t.like(d['io.k8s.api.apps.v1.Deployment'].properties.metadata, { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
  t.like(d['io.k8s.api.core.v1.PodSpec'].properties.containers, { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' } });
  t.is(d['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  const refs = JSON.stringify(v2).match(/"#\/definitions\/[^"]+"/g)!;
  t.deepEqual(refs.map((r) => r.slice(15, -1)).filter((n) => !d[n]), []);
  t.false(JSON.stringify(v2).includes('#/components/'));
  const post = v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments'].post;
  t.like(post.parameters.find((p: { in: string }) => p.in === 'body'), { name: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } });
  t.like(post.parameters.find((p: { name: string }) => p.name === 'namespace'), { in: 'path', type: 'string', required: true });
  t.like(post.responses['200'], { schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } });
  t.true(v2.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch.consumes.includes('application/strategic-merge-patch+json'));
  // The protobuf form decodes (with gnostic's field numbers) to the same definitions.
  const pb = await fetch(`${g.url}/openapi/v2`, { headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
  t.is(pb.headers.get('content-type'), 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  const doc = GnosticDocument.toObject(GnosticDocument.decode(Buffer.from(await pb.arrayBuffer()))) as any;
  t.is(doc.swagger, '2.0');
  const defs = new Map<string, any>(doc.definitions.additional_properties.map((n: { name: string; value: unknown }) => [n.name, n.value]));
  t.deepEqual([...defs.keys()], Object.keys(d));
  const dep = defs.get('io.k8s.api.apps.v1.Deployment');
  t.deepEqual(dep.type.value, ['object']);
  t.deepEqual(parse(dep.vendor_extension[0].value.yaml), [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  const meta = dep.properties.additional_properties.find((p: { name: string }) => p.name === 'metadata').value;
  t.is(meta._ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  t.truthy(meta.description);
  t.is(doc.paths.path.length, Object.keys(v2.paths).length);
});

test('gateway openapi - kubectl explain --output=plaintext-openapiv2 reads /openapi/v2 and prints its documentation', async (t) => {
  const g = await startGateway(t);
  const r = await g.kubectl(['explain', 'deployment.spec.strategy', '--output=plaintext-openapiv2']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^KIND:\s+Deployment$/m);
  t.regex(r.stdout, /^VERSION:\s+apps\/v1$/m);
  t.regex(r.stdout, /^RESOURCE: strategy <Object>$/m);
  t.regex(r.stdout, /replace existing pods with new ones/);
  t.regex(r.stdout, /^ {3}rollingUpdate\t<Object>$/m);
  t.regex(r.stdout, /^ {3}type\t<string>$/m);
  const containers = await g.kubectl(['explain', 'pods.spec.containers.image', '--output=plaintext-openapiv2']);
  t.is(containers.code, 0, containers.stderr);
  t.regex(containers.stdout, /Container image name/);
  for (const d of allResources()) {
    const all = await g.kubectl(['explain', `${d.plural}${d.group ? `.${d.group}` : ''}`, '--recursive', '--output=plaintext-openapiv2']);
    t.is(all.code, 0, `${d.plural}: ${all.stderr}`);
    t.regex(all.stdout, new RegExp(`^KIND:\\s+${d.kind}$`, 'm'));
  }
});

test('gateway openapi - fieldValidation: Strict fails with upstream texts, Warn answers Warning headers, Ignore drops silently; both drop the field', async (t) => {
  const g = await startGateway(t);
  const url = `${g.url}${DEPLOYMENTS}`;
  const bad = JSON.stringify(deployment({ foo: 1 })).replace('"replicas":2', '"replicas":2,"replicas":3');
  const strict = await send(`${url}?fieldValidation=Strict`, 'POST', bad);
  t.is(strict.status, 400);
  t.like(await strict.json(), {
    reason: 'BadRequest',
    message: 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", duplicate field "spec.replicas"',
  });
  const warn = await send(url, 'POST', bad); // Warn is the default
  t.is(warn.status, 201);
  t.is(warn.headers.get('warning'), '299 - "unknown field \\"spec.foo\\"", 299 - "duplicate field \\"spec.replicas\\""');
  const stored = await g.client.get<KubeObject & { spec: Record<string, unknown> }>('deployments', 'web', { namespace: 'default' });
  t.false('foo' in stored.spec);
  t.is(stored.spec.replicas, 3);
  const mergePatch = { spec: { template: { spec: { containers: [{ name: 'web', image: 'x', bogus: true }] } } } };
  const p = await send(`${url}/web?fieldValidation=Strict`, 'PATCH', JSON.stringify(mergePatch), 'application/strategic-merge-patch+json');
  t.is(p.status, 400);
  t.is(((await p.json()) as { message: string }).message, 'strict decoding error: unknown field "spec.template.spec.containers[0].bogus"');
  const jp = await send(`${url}/web?fieldValidation=Strict`, 'PATCH', JSON.stringify([{ op: 'add', path: '/spec/foo', value: 1 }]), 'application/json-patch+json');
  t.is(((await jp.json()) as { message: string }).message, 'strict decoding error: unknown field "spec.foo"');
  const jpWarn = await send(`${url}/web`, 'PATCH', JSON.stringify([{ op: 'add', path: '/spec/foo', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 4 }]), 'application/json-patch+json');
  t.is(jpWarn.status, 200);
  t.is(jpWarn.headers.get('warning'), '299 - "unknown field \\"spec.foo\\""');
  const jpAfter = (await jpWarn.json()) as { spec: Record<string, unknown> };
  t.is(jpAfter.spec.replicas, 4);
  t.false('foo' in jpAfter.spec);
  const ignored = await send(`${url}/web?fieldValidation=Ignore`, 'PATCH', JSON.stringify({ spec: { paused: true, foo: 2 } }), 'application/merge-patch+json');
  t.is(ignored.status, 200);
  t.is(ignored.headers.get('warning'), null);
  const after = (await ignored.json()) as { spec: Record<string, unknown> };
  t.is(after.spec.paused, true);
  t.false('foo' in after.spec);
  // Upstream fields kubus does not model (a volume's source, a container's securityContext) pass under Strict.
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { volumes: [{ name: 'v', emptyDir: {} }], containers: [{ name: 'c', image: 'x', securityContext: { runAsUser: 1 }, stdinOnce: false }] } };
  t.is((await send(`${g.url}/api/v1/namespaces/default/pods?fieldValidation=Strict`, 'POST', JSON.stringify(pod))).status, 201);
  t.is((await send(`${url}?fieldValidation=strict`, 'POST', JSON.stringify(deployment()))).status, 400);
});

test('gateway openapi - kubectl apply validates on the server (no --validate=false): unknown fields fail as upstream, apply again patches', async (t) => {
  const g = await startGateway(t);
  const created = await g.kubectl(['apply', '-f', '-'], stringify(deployment()));
  t.is(created.code, 0, created.stderr);
  t.is(created.stdout, 'deployment.apps/web created\n');
  const changed = await g.kubectl(['apply', '-f', '-'], stringify(deployment({}, 'nginx:1.28')));
  t.is(changed.code, 0, changed.stderr);
  t.is(changed.stdout, 'deployment.apps/web configured\n');
  t.is(changed.stderr, '');
  const image = await g.kubectl(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
  t.is(image.stdout, 'nginx:1.28');
  const other = { ...deployment({ foo: 'bar' }), metadata: { name: 'other', namespace: 'default' } };
  const bad = await g.kubectl(['apply', '-f', '-'], stringify(other));
  t.is(bad.code, 1);
  t.is(
    bad.stderr,
    'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"\n',
  );
  // A `kind: List` is validated on the client from /openapi/v2, as against upstream.
  const list = stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { x: '1' } }] });
  const listed = await g.kubectl(['apply', '-f', '-'], list);
  t.is(listed.code, 0, listed.stderr);
  t.is(listed.stdout, 'configmap/a created\n');
  const badList = await g.kubectl(['apply', '-f', '-'], stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, junk: 1 }] }));
  t.is(badList.code, 1);
  t.regex(badList.stderr, /error validating data: ValidationError\(ConfigMap\): unknown field "junk" in io\.k8s\.api\.core\.v1\.ConfigMap/);
  // An upstream field kubus accepts without modelling it passes the client's check too.
  const item = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', stdinOnce: true }] } };
  const unmodelled = await g.kubectl(['apply', '-f', '-'], stringify({ apiVersion: 'v1', kind: 'List', items: [item] }));
  t.is(unmodelled.code, 0, unmodelled.stderr);
  const warned = await g.kubectl(['create', '--validate=warn', '-f', '-'], stringify(other));
  t.is(warned.code, 0, warned.stderr);
  t.is(warned.stderr, 'Warning: unknown field "spec.foo"\n');
});

test('gateway openapi - kubectl explain walks the documents and prints their descriptions', async (t) => {
  const g = await startGateway(t);
  const r = await g.kubectl(['explain', 'deployment.spec.strategy']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^GROUP:\s+apps$/m);
  t.regex(r.stdout, /^KIND:\s+Deployment$/m);
  t.regex(r.stdout, /^FIELD: strategy <DeploymentStrategy>$/m);
  t.regex(r.stdout, /replace existing pods with new ones/);
  t.regex(r.stdout, /^ {2}rollingUpdate\t<RollingUpdateDeployment>$/m);
  t.regex(r.stdout, /^ {2}type\t<string>$/m);
  const containers = await g.kubectl(['explain', 'pods.spec.containers.image']);
  t.is(containers.code, 0, containers.stderr);
  t.regex(containers.stdout, /Container image name/);
  const top = await g.kubectl(['explain', 'deployments', '--recursive']);
  t.is(top.code, 0, top.stderr);
  t.regex(top.stdout, /^ {8}maxSurge\t<\w+>$/m);
  // Every kind's document walks to the end (an empty schema would fail kubectl's templates).
  for (const d of allResources()) {
    const all = await g.kubectl(['explain', `${d.plural}${d.group ? `.${d.group}` : ''}`, '--recursive']);
    t.is(all.code, 0, `${d.plural}: ${all.stderr}`);
    t.regex(all.stdout, new RegExp(`^KIND:\\s+${d.kind}$`, 'm'));
  }
});
