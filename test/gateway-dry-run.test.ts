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
