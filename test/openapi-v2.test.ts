// /openapi/v2's schemas: v3 schemas in v2 form (refs, described refs) and what kubectl's v2 model
// cannot hold dropped as upstream does for CRDs; a custom resource through kubectl's v2 paths.
import test from 'ava';
import { stringify } from 'yaml';
import { schemaV2 } from '../api/openapi/swagger.ts';
import { widget, widgetCrd } from './fixtures/crd-widget.ts';
import { startGateway } from './helpers/gateway.ts';

test('openapi v2 - refs point into definitions; a described ref is a $ref beside its description', (t) => {
  const v3 = { type: 'object', properties: { spec: { description: 'the spec', allOf: [{ $ref: '#/components/schemas/a.B' }] }, items: { type: 'array', items: { $ref: '#/components/schemas/a.C' } } } };
  t.deepEqual(schemaV2(v3), { type: 'object', properties: { spec: { description: 'the spec', $ref: '#/definitions/a.B' }, items: { type: 'array', items: { $ref: '#/definitions/a.C' } } } });
});

test('openapi v2 - junctors, nullable values and the fields of values that keep unknown fields are dropped, as upstream ToStructuralOpenAPIV2', (t) => {
  const v3 = {
    type: 'object',
    properties: {
      port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
      note: { type: 'string', nullable: true },
      free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
      list: { type: 'array', 'x-kubernetes-preserve-unknown-fields': true, items: { type: 'string' } },
    },
  };
  t.deepEqual(schemaV2(v3).properties, {
    port: { 'x-kubernetes-int-or-string': true },
    note: {},
    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    list: { 'x-kubernetes-preserve-unknown-fields': true },
  });
});

test('openapi v2 - a custom resource: kubectl explain reads it from v2, and validates a List of custom objects from v2 as upstream', async (t) => {
  const g = await startGateway(t);
  t.is((await g.kubectl(['apply', '-f', '-'], stringify(widgetCrd()))).code, 0);
  const explain = await g.kubectl(['explain', 'widgets.spec', '--output=plaintext-openapiv2']);
  t.is(explain.code, 0, explain.stderr);
  t.regex(explain.stdout, /^KIND:\s+Widget$/m);
  t.regex(explain.stdout, /^ {3}size\t<string> -required-$/m);
  // Free-form fields under a preserve-unknown-fields value pass kubectl's client-side check; unknown ones elsewhere do not.
  const list = (spec: Record<string, unknown>) => stringify({ apiVersion: 'v1', kind: 'List', items: [widget('w1', spec)] });
  const ok = await g.kubectl(['apply', '-f', '-'], list({ size: 'small', extra: { anything: { goes: 1 } } }));
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout, 'widget.example.com/w1 created\n');
  const bad = await g.kubectl(['apply', '-f', '-'], list({ size: 'small', bogus: 1 }));
  t.is(bad.code, 1);
  t.regex(bad.stderr, /ValidationError\(Widget\.spec\): unknown field "bogus" in com\.example\.v1\.Widget\.spec/);
});
