// ReplicationController and PodTemplate (core/v1): defaults, validation as upstream, columns and describe.
import test from 'ava';
import { columnsFor } from '../api/table/columns.ts';
import { describe } from '../cli/printers/describe.ts';
import { startApi, statusOf } from './helpers/api.ts';

const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

test('rc api - bad input: no template, selector not matching, restartPolicy Never; nothing stored', async (t) => {
  const { client } = await startApi(t);
  const rc = (spec: object) => ({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'x', namespace: 'default' }, spec });
  const none = await statusOf(client.create('replicationcontrollers', rc({ selector: { app: 'a' } })));
  t.deepEqual(none.status.details?.causes?.map((c) => [c.field, c.message]), [['spec.template', 'Required value']]);
  const mismatch = await statusOf(client.create('replicationcontrollers', rc({ selector: { app: 'a' }, template: template({ app: 'b' }) })));
  t.deepEqual(mismatch.status.details?.causes?.map((c) => [c.field, c.message]), [['spec.template.metadata.labels', 'Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`']]);
  const never = await statusOf(client.create('replicationcontrollers', rc({ template: { ...template({ app: 'a' }), spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'nginx' }] } } })));
  t.deepEqual(never.status.details?.causes?.map((c) => [c.field, c.message]), [['spec.template.spec.restartPolicy', 'Unsupported value: "Never": supported values: "Always"']]);
  t.is((await client.list('replicationcontrollers', { namespace: 'default' })).items.length, 0);
});

test('podtemplate api - stored with template defaults; a template without containers is invalid', async (t) => {
  const { client } = await startApi(t);
  const pt = await client.create('podtemplates', { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'pt', namespace: 'default' }, template: template({ app: 'a' }) });
  t.is((pt.template as { spec: { restartPolicy: string } }).spec.restartPolicy, 'Always');
  const bad = await statusOf(client.create('podtemplates', { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'bad', namespace: 'default' }, template: { spec: { containers: [] } } }));
  t.is(bad.status.code, 422);
  t.is(bad.status.details?.causes?.[0]?.field, 'template.spec.containers');
});

test('rc and podtemplate - kubectl columns and describe', (t) => {
  const created = { name: 'nginx', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' };
  const rc = { metadata: created, spec: { replicas: 3, selector: { app: 'nginx' }, template: template({ app: 'nginx' }) }, status: { replicas: 3, readyReplicas: 2 } };
  const now = Date.parse('2026-01-01T01:00:00Z');
  const rcCols = columnsFor('replicationcontrollers', '');
  t.deepEqual(rcCols.columns.map((c) => c.name), ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector']);
  t.deepEqual(rcCols.cells(rc, { now } as never), ['nginx', 3, 3, 2, '60m', 'c', 'nginx', 'app=nginx']);
  const ptCols = columnsFor('podtemplates', '');
  t.deepEqual(ptCols.columns.map((c) => c.name), ['Name', 'Containers', 'Images', 'Pod Labels']);
  t.deepEqual(ptCols.cells({ metadata: created, template: template({ app: 'nginx' }) }, { now } as never), ['nginx', 'c', 'nginx', 'app=nginx']);
  const out = describe('rc', rc, [], now, { pods: [] });
  t.regex(out, /^Name:\s+nginx\nNamespace:\s+default\nSelector:\s+app=nginx\n/);
  t.regex(out, /Replicas:\s+3 current \/ 3 desired\nPods Status:\s+0 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed\nPod Template:\n/);
  t.regex(describe('podtemplate', { metadata: created, template: template({ app: 'nginx' }) }, [], now), /^Name:\s+nginx\nNamespace:\s+default\nLabels:\s+<none>\nAnnotations:\s+<none>\n\nPod Template:\n/);
});
