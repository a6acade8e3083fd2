// Name, label and metadata validation against upstream's wording (apimachinery util/validation, objectmeta.go).
import test from 'ava';
import fc from 'fast-check';
import { goQuote, goStringMap, invalidValue, notSupported, required } from '../api/validation/field.ts';
import { validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/meta.ts';
import { pointerToPath } from '../api/validation/structural.ts';
import {
  ipFamily,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isLabelValue,
  isQualifiedName,
  isValidCIDR,
  isValidPortName,
  nameIsDNSSubdomain,
} from '../api/validation/strings.ts';
import { lines } from './api-fixtures.ts';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

test('api - DNS-1123 subdomain message is upstream verbatim', (t) => {
  t.deepEqual(isDNS1123Subdomain('Foo'), [SUBDOMAIN_MSG]);
  t.is(invalidValue('metadata.name', 'Foo', SUBDOMAIN_MSG).message, `Invalid value: "Foo": ${SUBDOMAIN_MSG}`);
});

const nameCase = test.macro<[(s: string) => string[], string, boolean]>({
  exec(t, fn: (s: string) => string[], input: string, valid: boolean) {
    t.is(fn(input).length === 0, valid, fn(input).join('; '));
  },
  title: (_p, fn, input, valid) => `api - ${fn.name}(${JSON.stringify(input.length > 20 ? `${input.slice(0, 10)}…(${input.length})` : input)}) is ${valid ? 'valid' : 'invalid'}`,
});

test(nameCase, isDNS1123Subdomain, 'example.com', true);
test(nameCase, isDNS1123Subdomain, 'a'.repeat(253), true);
test(nameCase, isDNS1123Subdomain, 'a'.repeat(254), false);
test(nameCase, isDNS1123Subdomain, '-abc', false);
test(nameCase, isDNS1123Subdomain, 'abc.', false);
test(nameCase, isDNS1123Label, 'my-name', true);
test(nameCase, isDNS1123Label, '123-abc', true);
test(nameCase, isDNS1123Label, 'a.b', false);
test(nameCase, isDNS1123Label, 'a'.repeat(64), false);
test(nameCase, isDNS1035Label, 'abc-123', true);
test(nameCase, isDNS1035Label, '1abc', false);
test(nameCase, isQualifiedName, 'app', true);
test(nameCase, isQualifiedName, 'example.com/MyName', true);
test(nameCase, isQualifiedName, 'a/b/c', false);
test(nameCase, isQualifiedName, '/name', false);
test(nameCase, isQualifiedName, 'Example.com/x', false);
test(nameCase, isQualifiedName, 'x'.repeat(64), false);
test(nameCase, isQualifiedName, '_x', false);
test(nameCase, isLabelValue, '', true);
test(nameCase, isLabelValue, 'my_value.1', true);
test(nameCase, isLabelValue, 'x'.repeat(64), false);
test(nameCase, isLabelValue, 'a b', false);
test(nameCase, isValidPortName, 'http', true);
test(nameCase, isValidPortName, '8080', false);
test(nameCase, isValidPortName, 'a--b', false);
test(nameCase, isConfigMapKey, 'app.properties', true);
test(nameCase, isConfigMapKey, '..data', false);
test(nameCase, isValidCIDR, '10.244.1.0/24', true);
test(nameCase, isValidCIDR, '10.244.1.0/33', false);

test('api - label key and value messages carry upstream prefixes', (t) => {
  t.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
  t.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
  t.regex(isQualifiedName('x'.repeat(64))[0], /^name part must be no more than 63 characters$/);
  t.regex(isLabelValue('a b')[0], /^a valid label must be an empty string or consist of alphanumeric characters/);
});

test('api - IP families', (t) => {
  for (const [ip, fam] of [['10.0.0.1', 4], ['256.1.1.1', 0], ['::1', 6], ['2001:db8::ffff', 6], ['::ffff:1.2.3.4', 6], ['1:2:3:4:5:6:7:8', 6], ['1::2::3', 0], ['x', 0]] as const)
    t.is(ipFamily(ip), fam, ip);
});

test('api - generateName prefixes may end with a dash', (t) => {
  t.deepEqual(nameIsDNSSubdomain('web-', true), []);
  t.not(nameIsDNSSubdomain('web-', false).length, 0);
});

test('api - field errors are worded as field.Error.ErrorBody', (t) => {
  t.is(required('spec.containers').message, 'Required value');
  t.is(required('spec.x', 'must be set').message, 'Required value: must be set');
  t.is(notSupported('spec.restartPolicy', 'Sometimes', ['Always', 'OnFailure', 'Never']).message, 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
  t.is(invalidValue('spec.replicas', -1, 'must be greater than or equal to 0').message, 'Invalid value: -1: must be greater than or equal to 0');
  t.is(goQuote('a"b\n'), '"a\\"b\\n"');
  t.is(goStringMap({ b: '2', a: '1' }), 'map[string]string{"a":"1", "b":"2"}');
});

test('api - JSON pointers become dotted field paths', (t) => {
  t.is(pointerToPath('/spec/replicas'), 'spec.replicas');
  t.is(pointerToPath('/spec/containers/0/image'), 'spec.containers[0].image');
  t.is(pointerToPath('/metadata/annotations/a~1b'), 'metadata.annotations.a/b');
});

const meta = { nameFn: nameIsDNSSubdomain, namespaced: true };

test('api - object meta: name, namespace, labels, annotations, owners, finalizers', (t) => {
  const errs: ReturnType<typeof lines> = [];
  const e: Parameters<typeof validateObjectMeta>[2] = [];
  validateObjectMeta(
    {
      labels: { 'bad key!': 'v', ok: 'bad value!' },
      annotations: { big: 'x'.repeat(256 * 1024) },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
        { apiVersion: 'v1', kind: 'Event', name: 'e', uid: '3' },
      ],
      finalizers: ['custom', 'orphan', 'foregroundDeletion'],
    },
    meta,
    e,
  );
  errs.push(...lines(e));
  t.true(errs.includes('metadata.name: Required value: name or generateName is required'));
  t.true(errs.includes('metadata.namespace: Required value'));
  t.true(errs.some((l) => l.startsWith('metadata.labels: Invalid value: "bad key!": name part must consist of')));
  t.true(errs.some((l) => l.startsWith('metadata.labels: Invalid value: "bad value!": a valid label must')));
  t.true(errs.includes('metadata.annotations: Too long: must have at most 262144 bytes'));
  t.true(errs.some((l) => l.includes('Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b')));
  t.true(errs.some((l) => l.includes('/v1, Kind=Event is disallowed from being an owner')));
  t.true(errs.includes('metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified'));
  t.true(errs.some((l) => l.includes('finalizer orphan and foregroundDeletion cannot be both set')));
});

test('api - cluster-scoped objects may not carry a namespace', (t) => {
  const e: Parameters<typeof validateObjectMeta>[2] = [];
  validateObjectMeta({ name: 'n', namespace: 'x' }, { nameFn: nameIsDNSSubdomain, namespaced: false }, e);
  t.deepEqual(lines(e), ['metadata.namespace: Forbidden: not allowed on this type']);
});

test('api - object meta update: immutable identity, no new finalizers while deleting', (t) => {
  const e: Parameters<typeof validateObjectMeta>[2] = [];
  validateObjectMetaUpdate(
    { name: 'b', uid: 'u2', generation: 1, finalizers: ['x/y'] },
    { name: 'a', uid: 'u1', generation: 2, deletionTimestamp: '2026-01-01T00:00:00Z' },
    e,
  );
  t.deepEqual(lines(e), [
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"x/y"}',
    'metadata.generation: Invalid value: 1: must not be decremented',
    'metadata.name: Invalid value: "b": field is immutable',
    'metadata.uid: Invalid value: "u2": field is immutable',
    'metadata.deletionTimestamp: Invalid value: null: field is immutable',
  ]);
});

test('api - label selector validation', (t) => {
  const e: Parameters<typeof validateObjectMeta>[2] = [];
  validateLabelSelector(
    { matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }, { key: 'c', operator: 'Near' }] },
    'spec.selector',
    e,
  );
  t.deepEqual(lines(e), [
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    'spec.selector.matchExpressions[2].operator: Invalid value: "Near": not a valid selector operator',
  ]);
});

test('api - valid DNS labels are valid subdomains (property)', (t) => {
  const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  fc.assert(fc.property(label, (l) => isDNS1123Label(l).length === 0 && isDNS1123Subdomain(l).length === 0));
  t.pass();
});
