import test from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { plainEqual } from '../actors/lib/plain-equal.ts';

const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constantFrom(null, undefined, 0, -0, 1, NaN, '', 'a', true, false), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('value'), { maxKeys: 3, noNullPrototype: true })),
})).value;

test('plain equal - agrees with isDeepStrictEqual on plain data, equal or not', (t) => {
  fc.assert(fc.property(json, json, (a, b) => plainEqual(a, b) === isDeepStrictEqual(a, b)));
  fc.assert(fc.property(json, (a) => plainEqual(a, structuredClone(a))));
  t.pass();
});

test('plain equal - a missing key is not an undefined one; key order does not matter; other objects go to node', (t) => {
  t.false(plainEqual({ a: undefined }, {}));
  t.false(plainEqual({}, { a: undefined }));
  t.true(plainEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
  t.false(plainEqual([1, 2], [1, 2, 3]));
  t.false(plainEqual({ a: [] }, { a: {} }));
  t.true(plainEqual({ d: new Date(5) }, { d: new Date(5) }));
  t.false(plainEqual({ d: new Date(5) }, { d: new Date(6) }));
});
