// Label and field selectors: parse, print, match, errors (apimachinery/pkg/labels and pkg/fields).
import test from 'ava';
import fc from 'fast-check';
import type { KubeObject } from '../api/meta.ts';
import {
  compileFieldRequirements,
  exactFieldValue,
  fieldSelectorMatcher,
  fieldSelectorToString,
  formatLabelSelector,
  labelSelectorMatcher,
  labelSelectorRequirements,
  matches,
  parseFieldSelector,
  parseSelector,
  selectorMatcher,
  selectorToString,
  type Requirement,
} from '../api/selectors.ts';
import { StatusError } from '../api/status.ts';

test('api - selector string parses into sorted requirements', (t) => {
  t.deepEqual(parseSelector('x in (foo,,baz),y,z notin ()'), [
    { key: 'x', op: 'in', values: ['', 'baz', 'foo'] },
    { key: 'y', op: 'exists', values: [] },
    { key: 'z', op: 'notin', values: [''] },
  ]);
  t.deepEqual(parseSelector('a=b,c!=d,e in (x,y),f notin (z),g,!h,i==j'), [
    { key: 'a', op: '=', values: ['b'] },
    { key: 'c', op: '!=', values: ['d'] },
    { key: 'e', op: 'in', values: ['x', 'y'] },
    { key: 'f', op: 'notin', values: ['z'] },
    { key: 'g', op: 'exists', values: [] },
    { key: 'h', op: '!', values: [] },
    { key: 'i', op: '==', values: ['j'] },
  ]);
  t.deepEqual(parseSelector(''), []);
  t.deepEqual(parseSelector('  a = b '), [{ key: 'a', op: '=', values: ['b'] }]);
});

const match = test.macro({
  exec(t, selector: string, labels: Record<string, string> | undefined, expected: boolean) {
    t.is(selectorMatcher(selector)(labels), expected);
    t.is(matches(selector, labels), expected);
  },
  title: (_p, selector, labels, expected) => `api - selector "${selector}" ${expected ? 'matches' : 'does not match'} ${JSON.stringify(labels)}`,
});

test(match, 'app=web', { app: 'web', tier: 'fe' }, true);
test(match, 'app=web', { app: 'db' }, false);
test(match, 'app!=web', {}, true);
test(match, 'app in (web,db)', { app: 'db' }, true);
test(match, 'app notin (web)', {}, true);
test(match, 'app notin (web)', { app: 'web' }, false);
test(match, 'app', { app: '' }, true);
test(match, '!app', { app: '' }, false);
test(match, '!app', undefined, true);
test(match, 'app=web,tier=fe', { app: 'web', tier: 'be' }, false);
test(match, 'n>3', { n: '4' }, true);
test(match, 'n<3', { n: 'x' }, false);
test(match, 'toString', {}, false);
test(match, '', undefined, true);

const parseError = test.macro({
  exec(t, selector: string, message: string) {
    const e = t.throws(() => parseSelector(selector), { instanceOf: StatusError });
    t.is(e?.code, 400);
    t.is(e?.message, message);
  },
  title: (_p, selector) => `api - selector ${JSON.stringify(selector)} is a 400`,
});

test(parseError, 'a=b,', "unable to parse requirement: found '', expected: identifier after ','");
test(parseError, 'a in b', "unable to parse requirement: found 'b' expected: '('");
test(parseError, 'a in (b', "unable to parse requirement: found '', expected: ',' or ')'");
test(parseError, '=b', "unable to parse requirement: found '=', expected: !, identifier, or 'end of string'");
test(parseError, 'a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
test(parseError, 'a=b c', "unable to parse requirement: found 'c', expected: ',' or 'end of string'");
test(parseError, 'a=b$', 'unable to parse requirement: values[0][a]: Invalid value: "b$": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\', or \'my_value\', or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')');

test('api - LabelSelector: absent selects nothing, empty selects everything', (t) => {
  t.false(labelSelectorMatcher(undefined)({ a: 'b' }));
  t.true(labelSelectorMatcher({})({ a: 'b' }));
  const m = labelSelectorMatcher({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] });
  t.true(m({ app: 'web' }));
  t.false(m({ app: 'web', tier: 'db' }));
  t.throws(() => labelSelectorRequirements({ matchExpressions: [{ key: 'a', operator: 'Near' }] }), { message: '"Near" is not a valid label selector operator' });
});

test('api - LabelSelector prints as kubectl does', (t) => {
  t.is(formatLabelSelector({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }, { key: 'd', operator: 'DoesNotExist' }] }), 'a=1,b=2,c in (x,y),!d');
  t.is(formatLabelSelector({}), '<none>');
  t.is(formatLabelSelector(undefined), '<none>');
});

const key = fc.tuple(fc.option(fc.constantFrom('example.com', 'k8s.io', 'a.b-c'), { nil: undefined }), fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?$/)).map(([p, n]) => (p ? `${p}/${n}` : n));
const value = fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?)?$/);
const requirement: fc.Arbitrary<Requirement> = fc.oneof(
  fc.tuple(key, fc.constantFrom('=', '==', '!=' as const), value).map(([k, op, v]) => ({ key: k, op, values: [v] })),
  fc.tuple(key, fc.constantFrom('in', 'notin' as const), fc.uniqueArray(value, { minLength: 1, maxLength: 4 })).map(([k, op, vs]) => ({ key: k, op, values: vs.sort() })),
  fc.tuple(key, fc.constantFrom('exists', '!' as const)).map(([k, op]) => ({ key: k, op, values: [] })),
);

test('api - selector print ⇄ parse round trip (property)', (t) => {
  fc.assert(
    fc.property(fc.uniqueArray(requirement, { selector: (r) => r.key, maxLength: 5 }), (reqs) => {
      const sorted = [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const printed = selectorToString(sorted);
      const parsed = parseSelector(printed);
      t.deepEqual(parsed, sorted, printed);
      return selectorToString(parsed) === printed;
    }),
  );
});

test('api - compiled selectors agree with a naive evaluation (property)', (t) => {
  const labels = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'y', ''));
  const req: fc.Arbitrary<Requirement> = fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('=', '!=', 'in', 'notin', 'exists', '!' as const), fc.uniqueArray(fc.constantFrom('x', 'y', ''), { minLength: 1 }))
    .map(([k, op, vs]) => ({ key: k, op, values: op === 'exists' || op === '!' ? [] : op === '=' || op === '!=' ? [vs[0]] : vs.sort() }));
  const naive = (r: Requirement, l: Record<string, string>) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case '=': case 'in': return has && r.values.includes(l[r.key]);
      case '!=': case 'notin': return !has || !r.values.includes(l[r.key]);
      case 'exists': return has;
      default: return !has;
    }
  };
  fc.assert(fc.property(fc.array(req, { maxLength: 4 }), labels, (reqs, l) => matches(reqs, l) === reqs.every((r) => naive(r, l))));
  t.pass();
});

const pod = (nodeName: string | undefined, phase = 'Running'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns1' },
  spec: nodeName === undefined ? {} : { nodeName },
  status: { phase },
});
const getters = {
  'spec.nodeName': (o: KubeObject) => (o.spec as { nodeName?: string }).nodeName,
  'status.phase': (o: KubeObject) => (o.status as { phase?: string }).phase,
};

test('api - field selectors match through getters, missing values read as ""', (t) => {
  t.true(fieldSelectorMatcher('spec.nodeName=n1', getters)(pod('n1')));
  t.false(fieldSelectorMatcher('spec.nodeName=n1', getters)(pod('n2')));
  t.true(fieldSelectorMatcher('spec.nodeName=', getters)(pod(undefined)));
  t.true(fieldSelectorMatcher('spec.nodeName!=,status.phase==Running', getters)(pod('n1')));
  t.true(fieldSelectorMatcher('metadata.name=p,metadata.namespace=ns1')(pod('n1')));
  t.false(fieldSelectorMatcher('metadata.namespace!=ns1')(pod('n1')));
});

test('api - unknown field labels are a 400 "field label not supported"', (t) => {
  const e = t.throws(() => compileFieldRequirements(parseFieldSelector('spec.foo=bar'), getters), { instanceOf: StatusError });
  t.is(e?.code, 400);
  t.is(e?.message, 'field label not supported: spec.foo');
});

test('api - field selector syntax, escaping and errors', (t) => {
  t.deepEqual(parseFieldSelector('b=1,a!=x\\,y'), [
    { field: 'a', op: '!=', value: 'x,y' },
    { field: 'b', op: '=', value: '1' },
  ]);
  t.is(fieldSelectorToString([{ field: 'a', op: '=', value: 'x=y' }]), 'a=x\\=y');
  t.throws(() => parseFieldSelector('abc'), { message: "invalid selector: 'abc'; can't understand 'abc'" });
  t.throws(() => parseFieldSelector('a=b=c'), { message: 'invalid field selector: unescaped character in value: =' });
  t.throws(() => parseFieldSelector('a=\\q'), { message: 'invalid field selector: invalid escape sequence: \\q' });
});

test('api - the exact spec.nodeName requirement is extracted for node-indexed watches', (t) => {
  t.is(exactFieldValue('spec.nodeName=node-7,status.phase=Running', 'spec.nodeName'), 'node-7');
  t.is(exactFieldValue('spec.nodeName=', 'spec.nodeName'), '');
  t.is(exactFieldValue('spec.nodeName!=node-7', 'spec.nodeName'), undefined);
  t.is(exactFieldValue(parseFieldSelector('metadata.name=x'), 'spec.nodeName'), undefined);
});

test('api - field selector print ⇄ parse round trip (property)', (t) => {
  const req = fc.record({
    field: fc.constantFrom('metadata.name', 'spec.nodeName', 'status.phase'),
    op: fc.constantFrom('=', '!=' as const),
    value: fc.string({ unit: fc.constantFrom('a', 'b', ',', '=', '\\', '-', '!') }),
  });
  fc.assert(
    fc.property(fc.array(req, { maxLength: 4 }), (reqs) => {
      const printed = fieldSelectorToString(reqs);
      const sortKey = (r: { field: string; op: string; value: string }) => fieldSelectorToString([r as never]);
      const expected = [...reqs].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
      t.deepEqual(parseFieldSelector(printed), expected, printed);
    }),
  );
});
