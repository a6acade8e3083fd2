// Manifests read as kubectl reads them (goyaml.v2's YAML 1.1 and escapes, duplicate keys kept last and
// reported), kubectl's --validate (strict by default) and "no matches for kind" for unserved versions.
import test from 'ava';
import { manifestObjects } from '../api/manifests.ts';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { applyOne } from '../cli/commands/apply.ts';
import type { Manifest } from '../cli/manifests.ts';
import { resourceOfObject } from '../cli/resources.ts';
import { checkFields, validationDirective } from '../cli/validate.ts';
import { resourceOf } from '../scenarios/workloads.ts';
import { applyObject } from '../scenarios/workloads.ts';
import { startApi } from './helpers/api.ts';

const one = (text: string) => manifestObjects(text, 'm.yaml')[0];
const data = (text: string) => (one(`kind: ConfigMap\ndata:\n${text}`).obj as KubeObject & { data: Record<string, unknown> }).data;

test('manifests - a \\\' escape in a double-quoted scalar is a quote, as goyaml.v2 reads it', (t) => {
  t.deepEqual(data(`  a: "it\\'s"\n  "k\\'ey": "x"\n  b: [ "\\'" ]\n`), { a: "it's", "k'ey": 'x', b: ["'"] });
  // An escaped backslash before a quote stays a backslash and a quote; single-quoted and plain scalars are untouched.
  t.deepEqual(data(`  a: "\\\\'"\n  b: 'it''s \\'\n  c: it\\'s\n`), { a: "\\'", b: "it's \\", c: "it\\'s" });
});

test('manifests - goyaml.v2 escapes in double-quoted scalars', (t) => {
  const cases: Array<[string, string]> = [
    ['\\x41', 'A'], ['\\u00e9', 'é'], ['\\U0001F600', '😀'], ['\\N', '\u0085'], ['\\_', '\u00a0'],
    ['\\L', '\u2028'], ['\\P', '\u2029'], ['\\e', '\u001b'], ['\\0', '\0'], ['\\a', '\u0007'], ['\\v', '\v'],
    ['\\t', '\t'], ['\\ ', ' '], ['\\"', '"'], ['\\\\', '\\'], ['\\n', '\n'],
  ];
  for (const [src, want] of cases) t.is(data(`  v: "${src}"\n`).v, want, src);
  t.throws(() => one('kind: ConfigMap\ndata:\n  v: "\\q"\n'), { name: 'ManifestError', message: /^error parsing m\.yaml: .*\\q/ });
  // goyaml.v2 has no `\/` (YAML 1.2 added it); in a JSON manifest it is JSON's escape.
  t.throws(() => one('kind: ConfigMap\ndata:\n  a: "x"\n  v: "a\\/b"\n'), {
    name: 'ManifestError',
    message: 'error parsing m.yaml: error converting YAML to JSON: yaml: line 4: found unknown escape character',
  });
  t.deepEqual((one('{"kind": "ConfigMap", "data": {"v": "a\\/b"}}').obj as unknown as { data: unknown }).data, { v: 'a/b' });
});

test('manifests - scalars resolve as YAML 1.1 in goyaml.v2: yes/on booleans, 0755 octal, times and timestamps stay strings', (t) => {
  t.deepEqual(data('  a: yes\n  b: on\n  c: Off\n  d: 0755\n  e: 22:22\n  f: 2001-12-14\n  g: "yes"\n  h: ~\n'), {
    a: true, b: true, c: false, d: 493, e: '22:22', f: '2001-12-14', g: 'yes', h: null,
  });
});

test('manifests - duplicate keys keep the last value and are reported with their paths; List items get their own', (t) => {
  const m = one('kind: Service\nmetadata: {name: a}\nspec:\n  ports:\n  - port: 1\n    port: 2\n  type: A\n  type: B\nmetadata: {name: b}\n');
  t.is((m.obj.spec as { type: string }).type, 'B');
  t.is(m.obj.metadata.name, 'b');
  t.deepEqual(m.duplicates, ['spec.ports[0].port', 'spec.type', 'metadata']);
  const list = manifestObjects('{"kind": "List", "items": [{"kind": "Pod", "a": 1}, {"kind": "Pod", "a": 1, "a": 2}]}', 'l.json');
  t.deepEqual(list.map((x) => x.duplicates), [[], ['a']]);
  t.is((list[1].obj as unknown as { a: number }).a, 2);
  t.throws(() => manifestObjects('apiVersion: v1\nmetadata: {}\n', 'k.yaml'), { message: /Object 'Kind' is missing/ });
});

const manifest = (obj: KubeObject, duplicates: string[] = []): Manifest => ({ obj, source: 's.yaml', duplicates });
const svc = (): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ipFamily: 'IPv4', ports: [{ port: 80, bogus: 1 }] } });

test('manifests - --validate: strict (default, true) refuses unknown and duplicate fields with upstream\'s text', (t) => {
  t.is(validationDirective('strict'), 'Strict');
  t.is(validationDirective(true), 'Strict');
  t.is(validationDirective('true'), 'Strict');
  t.is(validationDirective('warn'), 'Warn');
  t.is(validationDirective('false'), 'Ignore');
  t.is(validationDirective('ignore'), 'Ignore');
  t.throws(() => validationDirective('maybe'), { message: 'invalid - validate option "maybe"; must be one of: strict (or true), warn, ignore (or false)' });
  const m = manifest(svc(), ['metadata.name']);
  const def = resourceOfObject(m.obj, m.source);
  const err = t.throws(() => checkFields(def, m, 'Strict'), { instanceOf: StatusError });
  t.is(err.code, 400);
  t.is(err.reason, 'BadRequest');
  t.is(err.message, 'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.ipFamily", unknown field "spec.ports[0].bogus", duplicate field "metadata.name"');
  t.is((m.obj.spec as { ipFamily?: string }).ipFamily, 'IPv4', 'strict leaves the object alone');
});

test('manifests - --validate=warn prints kubectl warnings and drops the fields; ignore drops them silently', (t) => {
  const warned: string[] = [];
  const m = manifest(svc(), ['spec.type']);
  const def = resourceOfObject(m.obj, m.source);
  checkFields(def, m, 'Warn', (l) => warned.push(l));
  t.deepEqual(warned, ['Warning: unknown field "spec.ipFamily"', 'Warning: unknown field "spec.ports[0].bogus"', 'Warning: duplicate field "spec.type"']);
  t.deepEqual(m.obj.spec, { ports: [{ port: 80 }] });
  const quiet = manifest(svc(), ['spec.type']);
  checkFields(def, quiet, 'Ignore', (l) => warned.push(l));
  t.is(warned.length, 3);
  t.deepEqual(quiet.obj.spec, { ports: [{ port: 80 }] });
});

test('manifests - a kind under a version upstream does not serve is "no matches for kind", in the CLI and scenarios', async (t) => {
  const dep: KubeObject = { apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'web' } };
  t.throws(() => resourceOfObject(dep, 'd.yaml'), {
    message: 'resource mapping not found for name: "web" namespace: "" from "d.yaml": no matches for kind "Deployment" in version "apps/v1beta1"',
  });
  t.is(resourceOfObject({ ...dep, apiVersion: 'apps/v1' }, 'd.yaml').plural, 'deployments');
  t.throws(() => resourceOfObject({ ...dep, apiVersion: 'v1' }, 'd.yaml'), { message: /no matches for kind "Deployment" in version "v1"$/ });
  t.is(resourceOf('deploy').plural, 'deployments');
  await t.throwsAsync(applyObject(undefined as never, dep), { name: 'UnknownKindError', message: 'no matches for kind "Deployment" in version "apps/v1beta1"' });
});

test('manifests - kubus apply refuses a Service with spec.ipFamily under the default validation, and nothing is stored', async (t) => {
  const { client } = await startApi(t);
  const m = manifest(svc());
  const err = await t.throwsAsync(applyOne(client, m, 'default'), { instanceOf: StatusError });
  t.regex(err.message, /strict decoding error: unknown field "spec.ipFamily"/);
  await t.throwsAsync(client.get('services', 's', { namespace: 'default' }), { message: 'services "s" not found' });
  t.is(await applyOne(client, manifest(svc()), 'default', 'Ignore'), 'service/s created');
  const stored = await client.get<KubeObject>('services', 's', { namespace: 'default' });
  t.is((stored.spec as { ipFamily?: string }).ipFamily, undefined);
});
