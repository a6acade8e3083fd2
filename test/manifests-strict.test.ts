// Manifests read as kubectl 1.32 reads them (goyaml.v2's YAML 1.1 and escapes, duplicate keys kept last
// silently), kubectl's --validate (strict by default) and "no matches for kind" for unserved versions.
// The behaviours were checked against kubectl v1.32.4 itself.
import test from 'ava';
import { manifestObjects } from '../api/manifests.ts';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { applyOne } from '../cli/commands/apply.ts';
import { createOne } from '../cli/commands/create.ts';
import { errorLine } from '../cli/context.ts';
import type { Manifest } from '../cli/manifests.ts';
import { resourceOfObject } from '../cli/resources.ts';
import { checkFields, validationDirective } from '../cli/validate.ts';
import { resourceOf } from '../scenarios/workloads.ts';
import { applyObject } from '../scenarios/workloads.ts';
import { startApi } from './helpers/api.ts';

const one = (text: string) => manifestObjects(text, 'm.yaml')[0];
const data = (text: string) => (one(`kind: ConfigMap\ndata:\n${text}`) as KubeObject & { data: Record<string, unknown> }).data;

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
  t.deepEqual((one('{"kind": "ConfigMap", "data": {"v": "a\\/b"}}') as unknown as { data: unknown }).data, { v: 'a/b' });
});

test('manifests - scalars resolve as YAML 1.1 in goyaml.v2: y/yes/on booleans (keys too), 0755 octal, times and timestamps stay strings', (t) => {
  t.deepEqual(data('  a: yes\n  b: on\n  c: Off\n  d: 0755\n  e: 22:22\n  f: 2001-12-14\n  g: "yes"\n  h: ~\n  i: y\n  n: "2"\n  "on": "1"\n'), {
    a: true, b: true, c: false, d: 493, e: '22:22', f: '2001-12-14', g: 'yes', h: null, i: true, false: '2', on: '1',
  });
});

test('manifests - infinities and NaN do not convert to JSON, as sigs.k8s.io/yaml says', (t) => {
  t.throws(() => one('kind: ConfigMap\ndata:\n  a: .inf\n'), { message: 'error parsing m.yaml: error converting YAML to JSON: json: unsupported value: +Inf' });
  t.throws(() => one('kind: ConfigMap\ndata:\n  a: -.Inf\n'), { message: /unsupported value: -Inf$/ });
});

test('manifests - duplicate keys keep the last value silently, in YAML, JSON and List items (kubectl sends the decoded object)', (t) => {
  const m = one('kind: Service\nmetadata: {name: a}\nspec:\n  ports:\n  - port: 1\n    port: 2\n  type: A\n  type: B\nmetadata: {name: b}\n');
  t.deepEqual(m.spec, { ports: [{ port: 2 }], type: 'B' });
  t.is(m.metadata.name, 'b');
  const list = manifestObjects('{"kind": "List", "items": [{"kind": "Pod", "a": 1}, {"kind": "Pod", "a": 1, "a": 2}]}', 'l.json');
  t.deepEqual(list.map((x) => (x as unknown as { a: number }).a), [1, 2]);
  t.throws(() => manifestObjects('apiVersion: v1\nmetadata: {}\n', 'k.yaml'), { message: /Object 'Kind' is missing/ });
});

test('manifests - under validation an object without apiVersion or kind is refused with kubectl\'s text', (t) => {
  const refused = (text: string, why: string) =>
    t.throws(() => manifestObjects(text, 'STDIN', { validate: true }), {
      name: 'ManifestError',
      message: `error validating "STDIN": error validating data: ${why}; if you choose to ignore these errors, turn validation off with --validate=false`,
    });
  refused('kind: ConfigMap\nmetadata: {name: a}\n', 'apiVersion not set');
  refused('apiVersion: v1\nmetadata: {name: a}\n', 'kind not set');
  refused('metadata: {name: a}\n', 'apiVersion not set');
  refused('- a\n- b\n', 'invalid object to validate');
  refused('apiVersion: v1\nkind: List\nitems:\n- kind: ConfigMap\n', 'apiVersion not set');
  t.is(manifestObjects('kind: ConfigMap\nmetadata: {name: a}\n', 'STDIN').length, 1, 'without validation only the kind is needed');
});

const manifest = (obj: KubeObject): Manifest => ({ obj, source: 's.yaml' });
const svc = (): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ipFamily: 'IPv4', ports: [{ port: 80, bogus: 1 }] } });

test('manifests - --validate: strict (default, true) refuses unknown fields with upstream\'s text', (t) => {
  t.is(validationDirective('strict'), 'Strict');
  t.is(validationDirective(true), 'Strict');
  t.is(validationDirective('true'), 'Strict');
  t.is(validationDirective('warn'), 'Warn');
  t.is(validationDirective('false'), 'Ignore');
  t.is(validationDirective('ignore'), 'Ignore');
  t.throws(() => validationDirective('maybe'), { message: 'invalid - validate option "maybe"; must be one of: strict (or true), warn, ignore (or false)' });
  const m = manifest(svc());
  const def = resourceOfObject(m.obj, m.source);
  const err = t.throws(() => checkFields(def, m.obj, 'Strict'), { instanceOf: StatusError });
  t.is(err.code, 400);
  t.is(err.reason, 'BadRequest');
  t.is(err.message, 'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.ipFamily", unknown field "spec.ports[0].bogus"');
  t.is((m.obj.spec as { ipFamily?: string }).ipFamily, 'IPv4', 'strict leaves the object alone');
});

test('manifests - --validate=warn prints kubectl warnings and drops the fields; ignore drops them silently', (t) => {
  const warned: string[] = [];
  const m = manifest(svc());
  const def = resourceOfObject(m.obj, m.source);
  checkFields(def, m.obj, 'Warn', (l) => warned.push(l));
  t.deepEqual(warned, ['Warning: unknown field "spec.ipFamily"', 'Warning: unknown field "spec.ports[0].bogus"']);
  t.deepEqual(m.obj.spec, { ports: [{ port: 80 }] });
  const quiet = manifest(svc());
  checkFields(def, quiet.obj, 'Ignore', (l) => warned.push(l));
  t.is(warned.length, 2);
  t.deepEqual(quiet.obj.spec, { ports: [{ port: 80 }] });
});

test('manifests - a kind under a version upstream does not serve is "no matches for kind", in the CLI and scenarios', async (t) => {
  const dep: KubeObject = { apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'web' } };
  t.throws(() => resourceOfObject(dep, 'd.yaml'), {
    message: 'resource mapping not found for name: "web" namespace: "" from "d.yaml": no matches for kind "Deployment" in version "apps/v1beta1"\nensure CRDs are installed first',
  });
  t.is(resourceOfObject({ ...dep, apiVersion: 'apps/v1' }, 'd.yaml').plural, 'deployments');
  t.throws(() => resourceOfObject({ ...dep, apiVersion: 'v1' }, 'd.yaml'), { message: /no matches for kind "Deployment" in version "v1"\n/ });
  t.is(resourceOf('deploy').plural, 'deployments');
  await t.throwsAsync(applyObject(undefined as never, dep), { name: 'UnknownKindError', message: 'no matches for kind "Deployment" in version "apps/v1beta1"' });
});

test('manifests - kubus apply refuses a Service with spec.ipFamily under the default validation, and nothing is stored', async (t) => {
  const { client } = await startApi(t);
  const m = manifest(svc());
  const err = await t.throwsAsync(applyOne(client, m, 'default'), { instanceOf: StatusError });
  t.is(errorLine(err), 'Error from server (BadRequest): error when creating "s.yaml": Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.ipFamily", unknown field "spec.ports[0].bogus"');
  await t.throwsAsync(client.get('services', 's', { namespace: 'default' }), { message: 'services "s" not found' });
  t.is(await applyOne(client, manifest(svc()), 'default', 'Ignore'), 'service/s created');
  const stored = await client.get<KubeObject>('services', 's', { namespace: 'default' });
  t.is((stored.spec as { ipFamily?: string }).ipFamily, undefined);
});

test('manifests - kubus create/replace: strict refusal and API errors name the file as kubectl does; warn creates with warnings', async (t) => {
  const { client } = await startApi(t);
  const cm = (extra: Record<string, unknown> = {}): Manifest => ({ obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { x: '1' }, ...extra } as KubeObject, source: 'STDIN' });
  const refused = await t.throwsAsync(createOne(client, 'create', cm({ bogus: 1 }), 'default'));
  t.is(errorLine(refused), 'Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
  const warned: string[] = [];
  t.is(await createOne(client, 'create', cm({ bogus: 1 }), 'default', 'Warn', (l) => warned.push(l)), 'configmap/a created');
  t.deepEqual(warned, ['Warning: unknown field "bogus"']);
  const exists = await t.throwsAsync(createOne(client, 'create', cm(), 'default'));
  t.is(errorLine(exists), 'Error from server (AlreadyExists): error when creating "STDIN": configmaps "a" already exists');
  const stale = await t.throwsAsync(createOne(client, 'replace', { ...cm(), obj: { ...cm().obj, metadata: { name: 'a', resourceVersion: '1' } } as KubeObject }, 'default'));
  t.is(errorLine(stale), 'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again');
  const invalid = await t.throwsAsync(createOne(client, 'replace', { ...cm(), obj: { ...cm().obj, data: { 'bad key': '1' } } as KubeObject }, 'default'));
  t.regex(errorLine(invalid), /^The ConfigMap "a" is invalid: data\[bad key\]: /, 'Invalid errors print from their causes, without the file');
});

test('manifests - the API refuses a body under another apiVersion than the resource\'s with upstream\'s 400', async (t) => {
  const { client } = await startApi(t);
  const err = await t.throwsAsync(client.create('deployments', { apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' } }), { instanceOf: StatusError });
  t.is(err.code, 400);
  t.is(err.message, 'the API version in the data (apps/v1beta1) does not match the expected API version (apps/v1)');
  await t.throwsAsync(client.get('deployments', 'd', { namespace: 'default' }), { message: 'deployments.apps "d" not found' });
});
