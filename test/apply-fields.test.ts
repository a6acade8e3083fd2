// Field sets in upstream's FieldsV1 form, and comparing objects field by field (api/apply/).
import test from 'ava';
import { FieldSet, compare, fieldsOf, pathString } from '../api/apply/index.ts';
import { StatusError } from '../api/status.ts';

const deployment = (image = 'nginx:1.27', replicas = 2) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', uid: 'u', resourceVersion: '7', labels: { app: 'web' }, finalizers: ['a/b'] },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }], args: ['-x'] }],
        tolerations: [{ key: 'k', operator: 'Exists' }],
      },
    },
  },
});

test('apply fields - fieldsOf gives upstream FieldsV1: keyed list items with ".", sets as v:, atomic lists whole, no system metadata', (t) => {
  const v1 = fieldsOf(deployment(), 'Deployment').toFieldsV1();
  t.deepEqual(v1, {
    'f:metadata': { 'f:finalizers': { 'v:"a/b"': {} }, 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': { 'f:matchLabels': { 'f:app': {} } },
      'f:template': {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': {
              '.': {},
              'f:args': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            },
          },
          'f:tolerations': {},
        },
      },
    },
  });
});

test('apply fields - FieldsV1 round-trips and set algebra works on paths', (t) => {
  const a = fieldsOf(deployment(), 'Deployment');
  t.true(FieldSet.fromFieldsV1(a.toFieldsV1()).equals(a));
  const b = fieldsOf({ spec: { replicas: 1, paused: true } }, 'Deployment');
  t.deepEqual(a.intersection(b).toFieldsV1(), { 'f:spec': { 'f:replicas': {} } });
  t.deepEqual(b.difference(a).toFieldsV1(), { 'f:spec': { 'f:paused': {} } });
  t.is(a.union(b).size, a.size + 1);
  t.throws(() => FieldSet.fromFieldsV1({ 'x:y': {} }), { message: /unknown path element/ });
});

test('apply fields - custom resources (no tags) have atomic lists', (t) => {
  const v1 = fieldsOf({ spec: { items: [{ name: 'a' }], size: 3 } }, {}).toFieldsV1();
  t.deepEqual(v1, { 'f:spec': { 'f:items': {}, 'f:size': {} } });
});

test('apply fields - paths print as upstream conflicts name them', (t) => {
  t.is(pathString(['f:spec', 'f:replicas']), '.spec.replicas');
  t.is(pathString(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']), '.spec.containers[name="nginx"].image');
  t.is(pathString(['f:ports', 'k:{"containerPort":80,"protocol":"TCP"}']), '.ports[containerPort=80,protocol="TCP"]');
  t.is(pathString(['f:metadata', 'f:finalizers', 'v:"a/b"']), '.metadata.finalizers[="a/b"]');
});

test('apply fields - a configuration with a keyless or repeated list item is a 400 (strict)', (t) => {
  const keyless = { spec: { template: { spec: { containers: [{ image: 'x' }] } } } };
  const e = t.throws(() => fieldsOf(keyless, 'Deployment', true), { instanceOf: StatusError });
  t.is(e.code, 400);
  t.regex(e.message, /omits key field "name"/);
  const twice = { spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'a' }] } } } };
  t.regex(t.throws(() => fieldsOf(twice, 'Deployment', true))!.message, /duplicate entries for key \[name="a"\]/);
  // Not strict (a live object): the list counts as atomic.
  t.deepEqual(fieldsOf(twice, 'Deployment').toFieldsV1(), { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': {} } } } });
});

test('apply fields - compare finds added, modified and removed fields, items by key', (t) => {
  const before = deployment('nginx:1.27', 2);
  const after = deployment('nginx:1.28', 2) as ReturnType<typeof deployment> & { spec: { paused?: boolean } };
  after.spec.paused = true;
  after.spec.template.spec.containers.push({ name: 'side', image: 'busybox', ports: [], args: [] });
  delete (after.metadata as { labels?: unknown }).labels;
  const c = compare(before, after, 'Deployment');
  const names = (s: FieldSet) => s.paths().map(pathString);
  t.deepEqual(names(c.modified), ['.spec.template.spec.containers[name="nginx"].image']);
  t.deepEqual(names(c.added).sort(), [
    '.spec.paused',
    '.spec.template.spec.containers[name="side"]',
    '.spec.template.spec.containers[name="side"].args',
    '.spec.template.spec.containers[name="side"].image',
    '.spec.template.spec.containers[name="side"].name',
    '.spec.template.spec.containers[name="side"].ports',
  ]);
  t.deepEqual(names(c.removed).sort(), ['.metadata.labels', '.metadata.labels.app']);
  t.true(compare(before, deployment(), 'Deployment').modified.empty);
});
