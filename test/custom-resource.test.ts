// Custom resources (api/apiextensions/custom-resource.ts): one ResourceDef per served version, ajv validation
// with upstream's messages, and pruning then defaulting in upstream's order.
import test from 'ava';
import { customResourceDefs } from '../api/apiextensions/custom-resource.ts';
import type { CRDVersion, CustomResourceDefinition, JSONSchemaProps } from '../api/apiextensions/types.ts';
import type { KubeObject } from '../api/meta.ts';
import type { ResourceDef } from '../api/resource.ts';

const SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['color'],
      properties: {
        replicas: { type: 'integer', default: 1, minimum: 0, maximum: 10 },
        color: { type: 'string', enum: ['red', 'green'] },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        note: { type: 'string', nullable: true },
        name: { type: 'string', maxLength: 5, pattern: '^[a-z]+$' },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        tags: { type: 'array', maxItems: 2, items: { type: 'string' } },
        items: { type: 'array', items: { type: 'object', properties: { name: { type: 'string', default: 'x' }, size: { type: 'integer' } } } },
        mode: { type: 'string', default: 'auto' },
        nested: { type: 'object', default: {}, properties: { level: { type: 'integer', default: 3 } } },
      },
    },
    status: { type: 'object', properties: { ready: { type: 'boolean' } } },
  },
};

function widgetCrd(versions?: CRDVersion[]): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'], categories: ['all'] },
      versions: versions ?? [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: structuredClone(SCHEMA) },
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          additionalPrinterColumns: [{ name: 'Color', type: 'string', jsonPath: '.spec.color' }],
        },
      ],
    },
  };
}

const widget = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec, ...extra }) as KubeObject;

/** Runs an object through the API server's create steps and returns its `field: message` lines. */
function create(def: ResourceDef, obj: KubeObject): string[] {
  def.defaults?.(obj);
  def.prepareForCreate?.(obj);
  return def.validate(obj).map((e) => `${e.field}: ${e.message}`);
}

const [def] = customResourceDefs(widgetCrd());

test('custom resource - one def per served version, the storage version first', (t) => {
  const v = (name: string, served: boolean, storage: boolean): CRDVersion => ({ name, served, storage, schema: { openAPIV3Schema: { type: 'object' } } });
  const defs = customResourceDefs(widgetCrd([v('v1alpha1', true, false), v('v1beta1', false, false), v('v1', true, true)]));
  t.deepEqual(defs.map((d) => d.apiVersion), ['example.com/v1', 'example.com/v1alpha1']);
  t.like(def, { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', group: 'example.com', version: 'v1', namespaced: true, hasStatus: true });
  t.deepEqual(def.shortNames, ['wd']);
  t.deepEqual(def.categories, ['all']);
  t.deepEqual(def.custom, { crd: 'widgets.example.com' });
  t.deepEqual(def.scale, { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' });
  t.deepEqual(def.printerColumns, [{ name: 'Color', type: 'string', jsonPath: '.spec.color', description: '', priority: 0, format: '' }]);
  t.false(defs[1].hasStatus);
});

test('custom resource - a valid object passes', (t) => {
  t.deepEqual(create(def, widget({ color: 'red', port: 8080, name: 'abc' })), []);
  t.deepEqual(create(def, widget({ color: 'green', port: 'http' })), []);
});

test('custom resource - type errors as upstream words them', (t) => {
  const errs = create(def, widget({ color: 'red', replicas: 'three', port: true, labels: { a: 'b', c: 1 } }));
  t.deepEqual(errs, [
    'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
    'spec.labels.c: Invalid value: "integer": spec.labels.c in body must be of type string: "integer"',
  ]);
});

test('custom resource - required, enum and bounds', (t) => {
  t.deepEqual(create(def, widget({})), ['spec.color: Required value']);
  t.deepEqual(create(def, widget({ color: 'purple' })), ['spec.color: Unsupported value: "purple": supported values: "red", "green"']);
  t.deepEqual(create(def, widget({ color: 'red', replicas: 11 })), ['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10']);
  t.deepEqual(create(def, widget({ color: 'red', replicas: -1 })), ['spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0']);
  t.deepEqual(create(def, widget({ color: 'red', name: 'ABCDEFG' })), [
    'spec.name: Too long: must have at most 5 bytes',
    `spec.name: Invalid value: "ABCDEFG": spec.name in body should match '^[a-z]+$'`,
  ]);
  t.deepEqual(create(def, widget({ color: 'red', tags: ['a', 'b', 'c'] })), ['spec.tags: Too many: 3: must have at most 2 items']);
  t.deepEqual(create(def, widget({ color: 'red', items: [{ size: 'big' }] })), [
    'spec.items[0].size: Invalid value: "string": spec.items[0].size in body must be of type integer: "string"',
  ]);
});

test('custom resource - nullable allows null; a null non-nullable field is dropped, or defaulted', (t) => {
  const o = widget({ color: 'red', note: null, name: null, replicas: null });
  t.deepEqual(create(def, o), []);
  t.is((o.spec as Record<string, unknown>).note, null);
  t.false('name' in (o.spec as object), 'null without a default is pruned');
  t.is((o.spec as Record<string, unknown>).replicas, 1, 'null with a default is defaulted');
});

test('custom resource - unknown fields are pruned before defaults apply', (t) => {
  const o = widget(
    { color: 'red', junk: 1, extra: { kept: { deep: true } }, items: [{ q: 1 }, {}], nested: { level: 5, zz: 1 } },
    { junk: true, status: { ready: true, phase: 'x' } },
  );
  def.defaults!(o);
  t.deepEqual(o, {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w1', namespace: 'default' },
    spec: { color: 'red', extra: { kept: { deep: true } }, items: [{ name: 'x' }, { name: 'x' }], nested: { level: 5 }, replicas: 1, mode: 'auto' },
    status: { ready: true },
  });
  // A defaulted object is defaulted inside too; a default is a copy, never shared.
  const a = widget({ color: 'red' });
  const b = widget({ color: 'red' });
  def.defaults!(a);
  def.defaults!(b);
  t.deepEqual((a.spec as Record<string, unknown>).nested, { level: 3 });
  t.not((a.spec as Record<string, unknown>).nested, (b.spec as Record<string, unknown>).nested);
});

test('custom resource - a schema that preserves unknown fields at the root keeps everything', (t) => {
  const [free] = customResourceDefs(widgetCrd([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }]));
  const o = widget({ anything: [1, { two: 2 }] }, { other: 'x' });
  t.deepEqual(create(free, o), []);
  t.deepEqual(o.spec, { anything: [1, { two: 2 }] });
  t.is(o.other, 'x');
});

test('custom resource - status cannot be set on create with a status subresource', (t) => {
  const o = widget({ color: 'red' }, { status: { ready: true } });
  t.deepEqual(create(def, o), []);
  t.false('status' in o);
});

test('custom resource - metadata as upstream checks it', (t) => {
  const o = widget({ color: 'red' });
  o.metadata = { name: 'Bad_Name' };
  const errs = create(def, o);
  t.true(errs.some((e) => e.startsWith('metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain')));
  t.true(errs.includes('metadata.namespace: Required value'));
  const old = widget({ color: 'red' });
  const next = widget({ color: 'green' });
  next.metadata = { ...next.metadata, name: 'w2' };
  t.deepEqual(def.validateUpdate!(next, old).map((e) => e.field), ['metadata.name']);
});

test('custom resource - a schema ajv cannot compile reports itself, never throws', (t) => {
  const [bad] = customResourceDefs(widgetCrd([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'string', pattern: '(' } } } } }]));
  const errs = create(bad, widget('x' as unknown as Record<string, unknown>));
  t.is(errs.length, 1);
  t.true(errs[0].includes('error building validator'));
});

test('custom resource - formats upstream checks (date-time, byte, ...) are checked; others are not', (t) => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: { spec: { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, data: { type: 'string', format: 'byte' }, n: { type: 'integer', format: 'int32' } } } },
  };
  const [d] = customResourceDefs(widgetCrd([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }]));
  t.deepEqual(create(d, widget({ at: '2024-05-01T12:00:00Z', data: 'aGk=', n: 5 })), []);
  t.deepEqual(create(d, widget({ at: 'yesterday', data: '%%' })), [
    'spec.at: Invalid value: "yesterday": spec.at in body must be of type date-time: "yesterday"',
    'spec.data: Invalid value: "%%": spec.data in body must be of type byte: "%%"',
  ]);
});

test('custom resource - set and map lists may not repeat an item or a key', (t) => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
          },
        },
      },
    },
  };
  const [d] = customResourceDefs(widgetCrd([{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }]));
  t.deepEqual(create(d, widget({ tags: ['a', 'b'], ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] })), []);
  t.deepEqual(create(d, widget({ tags: ['a', 'b', 'a'], ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] })), [
    'spec.tags[2]: Duplicate value: "a"',
    'spec.ports[1]: Duplicate value: map[string]interface {}{"name":"http"}',
  ]);
});
