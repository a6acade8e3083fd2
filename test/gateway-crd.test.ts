// CustomResourceDefinitions with the real kubectl: a CRD applied from YAML is served at once
// (discovery, printer columns, explain), custom objects are created, patched (merge and JSON; strategic
// is refused as upstream), scaled, watched and deleted, and deleting the CRD deletes them.
import test from 'ava';
import { stringify } from 'yaml';
import { crdCleanupController } from '../actors/controllers/crd-cleanup/crd-cleanup.controller.ts';
import { startGateway } from './helpers/gateway.ts';
import { waitFor } from './helpers/wait.ts';
import { widget, widgetCrd } from './fixtures/crd-widget.ts';

// Serial: a process serves custom resources from one table, and these tests create and delete the same CRD.
test.serial('gateway crd - kubectl applies a CRD, then creates, gets, patches, scales, watches and deletes custom objects', async (t) => {
  const g = await startGateway(t);
  g.process('controller-manager').start(crdCleanupController, 'controller/crd-cleanup', undefined);
  const applied = await g.kubectl(['apply', '-f', '-'], stringify(widgetCrd()));
  t.is(applied.code, 0, applied.stderr);
  t.is(applied.stdout, 'customresourcedefinition.apiextensions.k8s.io/widgets.example.com created\n');
  const est = await g.kubectl(['wait', '--for', 'condition=Established', 'crd/widgets.example.com', '--timeout=10s']);
  t.is(est.code, 0, est.stderr);
  const res = await g.kubectl(['api-resources', '--api-group', 'example.com']);
  t.regex(res.stdout, /^widgets\s+wd\s+example\.com\/v1\s+true\s+Widget$/m);

  const made = await g.kubectl(['apply', '-f', '-'], stringify(widget('a', { size: 'small', replicas: 2, color: 'red' })));
  t.is(made.code, 0, made.stderr);
  t.is(made.stdout, 'widget.example.com/a created\n');
  t.is((await g.kubectl(['create', '-f', '-'], stringify(widget('b', { size: 'large' })))).code, 0);
  // Printer columns: Color only in wide; Age from the date column.
  const get = await g.kubectl(['get', 'widgets']);
  t.is(get.code, 0, get.stderr);
  t.regex(get.stdout, /^NAME\s+SIZE\s+REPLICAS\s+AGE\na\s+small\s+2\s+\d+s\nb\s+large\s+1\s+\d+s\n$/);
  t.regex((await g.kubectl(['get', 'wd', '-o', 'wide'])).stdout, /^NAME\s+SIZE\s+REPLICAS\s+COLOR\s+AGE\na\s+small\s+2\s+red\s/);
  const invalid = await g.kubectl(['create', '-f', '-'], stringify(widget('c', { size: 'huge' })));
  t.not(invalid.code, 0);
  t.regex(invalid.stderr, /The Widget "c" is invalid: spec\.size: Unsupported value: "huge": supported values: "small", "large"/);

  t.is((await g.kubectl(['patch', 'widget', 'a', '--type', 'merge', '-p', '{"spec":{"color":"blue"}}'])).stdout, 'widget.example.com/a patched\n');
  t.is((await g.kubectl(['patch', 'widget', 'a', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/size","value":"large"}]'])).code, 0);
  const strategic = await g.kubectl(['patch', 'widget', 'a', '--type', 'strategic', '-p', '{"spec":{"color":"green"}}']);
  t.not(strategic.code, 0);
  t.regex(strategic.stderr, /UnsupportedMediaType|not supported/);
  t.is((await g.kubectl(['get', 'widget', 'a', '-o', 'jsonpath={.spec.size}/{.spec.color}'])).stdout, 'large/blue');

  const scaled = await g.kubectl(['scale', 'widget', 'a', '--replicas', '5']);
  t.is(scaled.code, 0, scaled.stderr);
  t.is((await g.kubectl(['get', 'widget', 'a', '-o', 'jsonpath={.spec.replicas}'])).stdout, '5');

  const watch = g.spawnKubectl(['get', 'widgets', '-w', '-o', 'name']);
  let seen = '';
  watch.stdout!.on('data', (d) => (seen += d));
  await waitFor(() => seen.includes('widget.example.com/b'), 'the watch to list');
  t.is((await g.kubectl(['delete', 'widget', 'b'])).stdout, 'widget.example.com "b" deleted\n');

  const del = await g.kubectl(['delete', 'crd', 'widgets.example.com', '--timeout=20s']);
  t.is(del.code, 0, del.stderr);
  await waitFor(async () => (await g.kubectl(['get', 'crd', '-o', 'name'])).stdout === '', 'the CRD to go');
  const gone = await g.kubectl(['get', 'widgets']);
  t.not(gone.code, 0);
  // kubectl's discovery cache may still name the resource: then the server's 404 is what it prints.
  t.regex(gone.stderr, /the server doesn't have a resource type "widgets"|the server could not find the requested resource/);
  t.is((await g.client.list('customresourcedefinitions')).items.length, 0);
});

test.serial('gateway crd - explain from the CRD schema; unknown fields refused under Strict, preserved where the schema says so', async (t) => {
  const g = await startGateway(t);
  t.is((await g.kubectl(['apply', '-f', '-'], stringify(widgetCrd()))).code, 0);
  const explain = await g.kubectl(['explain', 'widgets.spec']);
  t.is(explain.code, 0, explain.stderr);
  t.regex(explain.stdout, /^KIND:\s+Widget$/m);
  t.regex(explain.stdout, /^\s+size\s+<string> -required-$/m);
  const strict = await g.kubectl(['apply', '-f', '-'], stringify(widget('a', { size: 'small', junk: 1 })));
  t.not(strict.code, 0);
  t.regex(strict.stderr, /strict decoding error: unknown field "spec\.junk"/);
  const kept = await g.kubectl(['apply', '-f', '-'], stringify(widget('a', { size: 'small', extra: { any: { thing: 1 } } })));
  t.is(kept.code, 0, kept.stderr);
  t.is((await g.kubectl(['get', 'widget', 'a', '-o', 'jsonpath={.spec.extra.any.thing}'])).stdout, '1');
  // Without Strict the unknown field is dropped (pruned), with a warning.
  const warned = await g.kubectl(['apply', '--validate=warn', '-f', '-'], stringify(widget('b', { size: 'small', junk: 1 })));
  t.is(warned.code, 0, warned.stderr);
  t.regex(warned.stderr, /unknown field "spec\.junk"/);
  t.is((await g.kubectl(['get', 'widget', 'b', '-o', 'jsonpath={.spec}'])).stdout, '{"replicas":1,"size":"small"}');
});

test.serial('gateway crd - a second served version: objects written and read in either, stored in the storage version', async (t) => {
  const g = await startGateway(t);
  const crd = widgetCrd();
  const v1 = crd.spec.versions[0];
  crd.spec.versions = [{ ...v1, name: 'v1beta1', storage: false }, v1];
  t.is((await g.kubectl(['apply', '-f', '-'], stringify(crd))).code, 0);
  const made = await g.kubectl(['create', '-f', '-'], stringify({ ...widget('old'), apiVersion: 'example.com/v1beta1' }));
  t.is(made.code, 0, made.stderr);
  t.is((await g.client.get('widgets', 'old', { namespace: 'default' })).apiVersion, 'example.com/v1');
  t.is((await g.kubectl(['get', 'widgets.v1beta1.example.com', 'old', '-o', 'jsonpath={.apiVersion}'])).stdout, 'example.com/v1beta1');
  t.is((await g.kubectl(['get', 'widgets.v1.example.com', 'old', '-o', 'jsonpath={.apiVersion}'])).stdout, 'example.com/v1');
  const versions = JSON.parse((await g.kubectl(['get', '--raw', '/apis/example.com'])).stdout);
  t.deepEqual(versions.versions.map((v: { version: string }) => v.version).sort(), ['v1', 'v1beta1']);
  t.is(versions.preferredVersion.version, 'v1');
});
