// Server-side apply with the real kubectl against the gateway: apply --server-side creates and
// re-applies, a field another manager changed is a conflict kubectl prints, --force-conflicts wins,
// and --show-managed-fields shows the entries (kubectl hides them otherwise).
import test from 'ava';
import { parse, stringify } from 'yaml';
import type { KubeObject } from '../api/meta.ts';
import { widget, widgetCrd } from './fixtures/crd-widget.ts';
import { startGateway } from './helpers/gateway.ts';

const deployment = (replicas: number, image = 'nginx:1.27') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } } },
});

type Entry = { manager: string; operation: string; fieldsV1: Record<string, unknown>; subresource?: string };

test('gateway apply - kubectl apply --server-side creates, re-applies, conflicts after kubectl scale, and --force-conflicts wins', async (t) => {
  const g = await startGateway(t);
  const apply = (obj: unknown, ...flags: string[]) => g.kubectl(['apply', '--server-side', '--validate=false', ...flags, '-f', '-'], stringify(obj));

  const created = await apply(deployment(2));
  t.is(created.stdout, 'deployment.apps/web serverside-applied\n', created.stderr);
  t.is((await apply(deployment(2))).stdout, 'deployment.apps/web serverside-applied\n');

  const scaled = await g.kubectl(['scale', 'deployment', 'web', '--replicas=5']);
  t.is(scaled.code, 0, scaled.stderr);
  const conflict = await apply(deployment(3));
  t.not(conflict.code, 0);
  t.regex(conflict.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1: \.spec\.replicas$/m);
  t.regex(conflict.stderr, /--force-conflicts/);
  t.is((await g.client.get<any>('deployments', 'web', { namespace: 'default' })).spec.replicas, 5);

  const forced = await apply(deployment(3), '--force-conflicts');
  t.is(forced.stdout, 'deployment.apps/web serverside-applied\n', forced.stderr);
  t.is((await g.client.get<any>('deployments', 'web', { namespace: 'default' })).spec.replicas, 3);
});

test('gateway apply - get -o yaml hides managedFields; --show-managed-fields shows each manager and operation', async (t) => {
  const g = await startGateway(t);
  const a = await g.kubectl(['apply', '--server-side', '--validate=false', '-f', '-'], stringify(deployment(2)));
  t.is(a.code, 0, a.stderr);
  const edited = await g.kubectl(['label', 'deployment', 'web', 'tier=front']);
  t.is(edited.code, 0, edited.stderr);
  const hidden = parse((await g.kubectl(['get', 'deployment', 'web', '-o', 'yaml'])).stdout);
  t.is(hidden.metadata.managedFields, undefined);
  const shown = parse((await g.kubectl(['get', 'deployment', 'web', '-o', 'yaml', '--show-managed-fields'])).stdout);
  const entries = shown.metadata.managedFields as Entry[];
  t.deepEqual(entries.map((e) => [e.manager, e.operation]), [['kubectl', 'Apply'], ['kubectl-label', 'Update']]);
  t.deepEqual(entries[1]!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:tier': {} } } });
  t.truthy((entries[0]!.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas']);
});

test('gateway apply - a YAML body over HTTP, fieldManager required, and a conflict answered as upstream', async (t) => {
  const g = await startGateway(t);
  const url = `${g.url}/apis/apps/v1/namespaces/default/deployments/web`;
  const patch = (query: string, body: string) => fetch(`${url}?${query}`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body });
  const missing = await patch('', stringify(deployment(2)));
  t.is(missing.status, 422);
  const ok = await patch('fieldManager=tool', stringify(deployment(2)));
  t.is(ok.status, 200);
  t.like(await ok.json(), { metadata: { managedFields: [{ manager: 'tool', operation: 'Apply' }] } });
  const other = await patch('fieldManager=other', stringify(deployment(4)));
  t.is(other.status, 409);
  t.like(await other.json(), {
    kind: 'Status',
    reason: 'Conflict',
    code: 409,
    message: 'Apply failed with 1 conflict: conflict with "tool": .spec.replicas',
    details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "tool"', field: '.spec.replicas' }] },
  });
  t.is((await patch('fieldManager=other&force=true', stringify(deployment(4)))).status, 200);
});

test('gateway apply - custom resources apply too: lists are atomic, a kubectl patch by another manager conflicts', async (t) => {
  const g = await startGateway(t);
  await g.client.create('customresourcedefinitions', widgetCrd() as KubeObject);
  const apply = (spec: Record<string, unknown>, ...flags: string[]) => g.kubectl(['apply', '--server-side', '--validate=false', ...flags, '-f', '-'], stringify(widget('a', spec)));
  const created = await apply({ size: 'small', color: 'red', extra: { tags: ['x', 'y'] } });
  t.is(created.stdout, 'widget.example.com/a serverside-applied\n', created.stderr);
  const patched = await g.kubectl(['patch', 'widget', 'a', '--type', 'merge', '-p', '{"spec":{"color":"blue"}}']);
  t.is(patched.code, 0, patched.stderr);
  const conflict = await apply({ size: 'small', color: 'green', extra: { tags: ['z'] } });
  t.regex(conflict.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl-patch" using example\.com\/v1: \.spec\.color$/m);
  const forced = await apply({ size: 'small', color: 'green', extra: { tags: ['z'] } }, '--force-conflicts');
  t.is(forced.code, 0, forced.stderr);
  const got = await g.client.get<any>('widgets', 'a', { namespace: 'default' });
  t.deepEqual(got.spec, { size: 'small', color: 'green', extra: { tags: ['z'] }, replicas: 1 });
  const entry = got.metadata.managedFields.find((e: { manager: string }) => e.manager === 'kubectl');
  t.deepEqual(entry.fieldsV1, { 'f:spec': { 'f:color': {}, 'f:extra': { 'f:tags': {} }, 'f:size': {} } });
});

test('gateway apply - server-side apply over a client-side applied object conflicts with kubectl-client-side-apply, as upstream; diff --server-side', async (t) => {
  const g = await startGateway(t);
  const csa = await g.kubectl(['apply', '--validate=false', '-f', '-'], stringify(deployment(2)));
  t.is(csa.stdout, 'deployment.apps/web created\n', csa.stderr);
  const before = await g.client.get<any>('deployments', 'web', { namespace: 'default' });
  t.like(before.metadata.managedFields, [{ manager: 'kubectl-client-side-apply', operation: 'Update' }]);
  const ssa = await g.kubectl(['apply', '--server-side', '--validate=false', '-f', '-'], stringify(deployment(4, 'nginx:1.28')));
  t.regex(
    ssa.stderr,
    /^error: Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps\/v1:\n- \.spec\.replicas\n- \.spec\.template\.spec\.containers\[name="web"\]\.image\nPlease review the fields above/m,
  );
  // The same values: co-owned, no conflict.
  t.is((await g.kubectl(['apply', '--server-side', '--validate=false', '-f', '-'], stringify(deployment(2)))).stdout, 'deployment.apps/web serverside-applied\n');
  const diff = await g.kubectl(['diff', '--server-side', '--force-conflicts', '-f', '-'], stringify(deployment(4, 'nginx:1.29')));
  t.is(diff.code, 1, diff.stderr);
  t.regex(diff.stdout, /^\+\s+- image: nginx:1\.29$/m);
  t.is((await g.client.get<any>('deployments', 'web', { namespace: 'default' })).spec.replicas, 2, 'diff wrote nothing');
});
