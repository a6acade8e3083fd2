// Table columns of custom resources (api/table/columns-custom.ts): NAME + the CRD's printer columns, wide ones at
// priority > 0, JSONPath filters, typed cells, dates as ages; NAME and AGE without printer columns.
import test from 'ava';
import { customResourceDefs } from '../api/apiextensions/custom-resource.ts';
import type { CustomResourceDefinition, PrinterColumnDef } from '../api/apiextensions/types.ts';
import { cellFor, firstResult, toTable, type Table } from '../api/table/index.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const at = (offsetMs: number): string => new Date(NOW + offsetMs).toISOString();

function defFor(columns?: PrinterColumnDef[]) {
  const crd: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, additionalPrinterColumns: columns }],
    },
  };
  return customResourceDefs(crd)[0];
}

const COLUMNS: PrinterColumnDef[] = [
  { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Ratio', type: 'number', jsonPath: '.status.ratio', priority: 1 },
  { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused', priority: 1 },
  { name: 'Started', type: 'date', jsonPath: '.status.startedAt' },
  { name: 'First', type: 'string', jsonPath: '.spec.hosts[0]' },
];

const widget = (name: string, spec: object, status: object) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default', creationTimestamp: at(-3_600_000) }, spec, status });

const objs = [
  widget('a', { replicas: 3, paused: false, hosts: ['x.example', 'y.example'] }, { ratio: 0.5, startedAt: at(-5 * 60_000), conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] }),
  widget('b', { replicas: '3' }, {}),
];

/** What kubectl prints from a server-side Table: priority-0 columns (all with wide), null cells blank. */
function printed(t: Table, wide: boolean): string[][] {
  const defs = t.columnDefinitions ?? [];
  const shown = defs.map((c) => wide || c.priority === 0);
  return [defs.filter((_, i) => shown[i]).map((c) => c.name.toUpperCase()), ...t.rows.map((r) => r.cells.filter((_, i) => shown[i]).map((c) => (c === null ? '' : String(c))))];
}

test('crd table - NAME plus the printer columns, typed cells, filter JSONPath and ages', (t) => {
  const table = toTable({ items: objs, metadata: {} }, defFor(COLUMNS), { now: NOW });
  t.deepEqual(
    table.columnDefinitions?.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['Replicas', 'integer', 0],
      ['Ready', 'string', 0],
      ['Ratio', 'number', 1],
      ['Paused', 'boolean', 1],
      ['Started', 'date', 0],
      ['First', 'string', 0],
    ],
  );
  t.is(table.columnDefinitions?.[0].format, 'name');
  t.deepEqual(table.rows[0].cells, ['a', 3, 'True', 0.5, false, '5m', 'x.example']);
  // Absent values and values of another type than the column's are null, as upstream's cellForJSONValue.
  t.deepEqual(table.rows[1].cells, ['b', null, null, null, null, null, null]);
});

test('crd table - priority above 0 shows only with -o wide', (t) => {
  const table = toTable(objs, defFor(COLUMNS), { now: NOW });
  t.deepEqual(printed(table, false), [
    ['NAME', 'REPLICAS', 'READY', 'STARTED', 'FIRST'],
    ['a', '3', 'True', '5m', 'x.example'],
    ['b', '', '', '', ''],
  ]);
  t.deepEqual(printed(table, true)[0], ['NAME', 'REPLICAS', 'READY', 'RATIO', 'PAUSED', 'STARTED', 'FIRST']);
  t.deepEqual(printed(table, true)[1], ['a', '3', 'True', '0.5', 'false', '5m', 'x.example']);
});

test('crd table - without printer columns: NAME and AGE', (t) => {
  const table = toTable(objs[0], defFor(), { now: NOW });
  t.deepEqual(table.columnDefinitions?.map((c) => [c.name, c.type]), [['Name', 'string'], ['Age', 'date']]);
  t.deepEqual(table.rows[0].cells, ['a', '60m']);
});

test('crd table - JSONPath and cell typing helpers', (t) => {
  const o = { spec: { list: [{ k: 'a', v: 1 }, { k: 'b', v: 2 }], map: { 'dotted.key': 'x' } } };
  t.is(firstResult(o, '.spec.list[1].v'), 2);
  t.is(firstResult(o, ".spec.list[?(@.k=='b')].v"), 2);
  t.is(firstResult(o, ".spec.map['dotted.key']"), 'x');
  t.is(firstResult(o, '.spec.none.deeper'), undefined);
  t.is(firstResult(o, '.spec.list[?('), undefined, 'a path that does not parse is an empty cell, not a crash');
  t.is(cellFor('string', { a: 1 }, NOW), '{"a":1}');
  t.is(cellFor('integer', 2.7, NOW), 2);
  t.is(cellFor('date', 'yesterday', NOW), '<invalid>');
  t.is(cellFor('boolean', 'true', NOW), null);
});
