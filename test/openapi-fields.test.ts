// Unknown and duplicate fields (api/openapi/fields.ts) as upstream's strict decoding names them,
// and the documents' shape: every kind named, every $ref resolvable.
import test from 'ava';
import { duplicateFields, openApiDocument, openApiGroupVersions, unknownFields, unknownFieldsOfJsonPatch } from '../api/openapi/index.ts';
import { fieldProblems, strictDecodingError } from '../api/openapi/field-validation.ts';
import { resourceFor } from '../api/resources.ts';

const schema = (r: string) => resourceFor(r)!.schema;

test('openapi fields - unknown fields of closed types, with upstream paths; open types and unmodelled upstream fields pass', (t) => {
  const d = {
    metadata: { name: 'x', managedFields: [], nope: 1 },
    spec: {
      foo: 1,
      strategy: { rollingUpdate: { maxSurge: 1, bar: 2 } },
      template: { spec: { containers: [{ name: 'a' }, { name: 'b', baz: 3, resizePolicy: [], securityContext: { anything: true } }], volumes: [{ name: 'v', configMap: { name: 'c' } }], hostAliases: [] } },
    },
    status: { conditions: [{ type: 'Available', status: 'True', extra: 1 }] },
  };
  t.deepEqual(unknownFields(schema('deployments'), d), ['metadata.nope', 'spec.foo', 'spec.strategy.rollingUpdate.bar', 'spec.template.spec.containers[1].baz']);
  t.true('foo' in d.spec, 'nothing pruned unless asked');
  unknownFields(schema('deployments'), d, { prune: true });
  t.false('foo' in d.spec);
  t.false('nope' in d.metadata);
  t.deepEqual(unknownFields(schema('deployments'), d), []);
  t.deepEqual(unknownFields(schema('configmaps'), { metadata: {}, data: { anyKey: 'v' }, other: 1 }), ['other']);
});

test('openapi fields - volumes have only v1.32\'s fields: emptyDir.mode and projected podCertificate are unknown', (t) => {
  const p = {
    metadata: { name: 'x' },
    spec: {
      containers: [{ name: 'a' }],
      volumes: [
        { name: 'e', emptyDir: { medium: 'Memory', sizeLimit: '1Gi', mode: '0755' } },
        { name: 'p', projected: { defaultMode: 420, sources: [{ configMap: { name: 'c', anything: 1 } }, { podCertificate: { signerName: 's' } }, { serviceAccountToken: { path: 't' }, clusterTrustBundle: { path: 'b' } }] } },
        { name: 'c', configMap: { name: 'c' }, secret: {}, csi: { driver: 'd' }, image: { reference: 'r' }, dataSource: {} },
      ],
    },
  };
  const unknown = unknownFields(schema('pods'), p);
  t.deepEqual(unknown, ['spec.volumes[0].emptyDir.mode', 'spec.volumes[1].projected.sources[1].podCertificate', 'spec.volumes[2].dataSource']);
  t.is(
    strictDecodingError(resourceFor('pods')!, fieldProblems(unknown.slice(0, 1), []), true).message,
    'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.volumes[0].emptyDir.mode"',
  );
  const tpl = { metadata: {}, spec: { selector: {}, template: { spec: { containers: [], volumes: [{ name: 'e', emptyDir: { mode: 1 } }] } } } };
  t.deepEqual(unknownFields(schema('deployments'), tpl), ['spec.template.spec.volumes[0].emptyDir.mode']);
});

test('openapi fields - patches: directives and nulls are not fields; JSON patch targets and values are checked', (t) => {
  const patch = { spec: { $retainKeys: ['type'], template: { spec: { containers: [{ name: 'a', $patch: 'delete' }], '$setElementOrder/containers': [{ name: 'a' }] } }, gone: null, foo: {} } };
  t.deepEqual(unknownFields(schema('deployments'), patch, { kind: 'patch' }), ['spec.foo']);
  const ops = [
    { op: 'add', path: '/spec/foo', value: 1 },
    { op: 'replace', path: '/spec/template/spec/containers/0', value: { name: 'a', zz: 1 } },
    { op: 'add', path: '/metadata/labels/x~1y', value: 'v' },
    { op: 'add', path: '/spec/template/spec/volumes/-', value: { name: 'v', emptyDir: {} } },
    { op: 'remove', path: '/spec/bar' },
  ];
  t.deepEqual(unknownFieldsOfJsonPatch(schema('deployments'), ops), ['spec.foo', 'spec.template.spec.containers[0].zz']);
  t.is(ops.length, 5, 'nothing pruned unless asked');
  t.deepEqual(unknownFieldsOfJsonPatch(schema('deployments'), ops, { prune: true }), ['spec.foo', 'spec.template.spec.containers[0].zz']);
  t.deepEqual(ops.map((o) => o.path), ['/spec/template/spec/containers/0', '/metadata/labels/x~1y', '/spec/template/spec/volumes/-', '/spec/bar']);
  t.deepEqual(ops[0].value, { name: 'a' });
});

test('openapi fields - duplicate keys of a JSON text, nested, in arrays, escaped, and deep', (t) => {
  t.deepEqual(duplicateFields('{"a":1,"b":{"c":[{"d":1,"d":2}],"c":3},"a":"x\\"}"}'), ['b.c[0].d', 'b.c', 'a']);
  t.deepEqual(duplicateFields('{"k\\u0041":1,"kA":2, "s": "a,b}]", "n": [1, -2.5e3, true, null, []], "e": {}}'), ['kA']);
  t.deepEqual(duplicateFields('[1,{"x":1},{"x":2}]'), []);
  t.deepEqual(duplicateFields('"plain"'), []);
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  t.deepEqual(duplicateFields(deep), []);
});

test('openapi document - every group-version names its kinds upstream style and resolves every $ref', (t) => {
  for (const gv of openApiGroupVersions()) {
    const doc = openApiDocument(gv) as { components: { schemas: Record<string, Record<string, unknown>> } };
    const names = Object.keys(doc.components.schemas);
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    t.deepEqual(refs.filter((r) => !names.includes(r)), [], gv);
    t.true(names.every((n) => /^io\.k8s\.(api\.[a-z]+\.v\d+|apimachinery\.pkg\.[a-z0-9.]+|apiextensions-apiserver\.pkg\.apis\.apiextensions\.v1)\.[A-Z]\w*$/.test(n)), gv);
    // kubectl explain fails on an empty schema: there is none.
    t.false(JSON.stringify(doc).includes('{}'), gv);
  }
  t.is(openApiDocument('apis/apps/v2'), undefined);
});
