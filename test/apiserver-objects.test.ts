import test from 'ava';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../api/meta.ts';
import { sameStored, sameValue } from '../actors/apiserver/objects.ts';

const cases: [unknown, unknown][] = [
  [1, 1],
  [0, -0],
  [NaN, NaN],
  ['a', 'a'],
  [null, undefined],
  [null, {}],
  [[], {}],
  [[1, 2], [1, 2]],
  [[1, 2], [2, 1]],
  [[1, [2]], [1, [2, 3]]],
  [{ a: 1, b: 2 }, { b: 2, a: 1 }],
  [{ a: undefined }, {}],
  [{ a: undefined }, { b: undefined }],
  [{ a: { b: [{ c: 'x' }] } }, { a: { b: [{ c: 'x' }] } }],
  [{ a: { b: [{ c: 'x' }] } }, { a: { b: [{ c: 'y' }] } }],
  [Object.freeze({ a: 1 }), { a: 1 }],
  [{ constructor: undefined }, { z: undefined }],
  [new Uint8Array([1, 2]), new Uint8Array([1, 2])],
  [new Uint8Array([1, 2]), new Uint8Array([1, 3])],
  [{ d: new Uint8Array([1]) }, { d: [1] }],
  [Object.create(null), {}],
];

test('sameValue agrees with isDeepStrictEqual on JSON values and falls back to it for the rest', (t) => {
  for (const [i, [a, b]] of cases.entries()) {
    t.is(sameValue(a, b), isDeepStrictEqual(a, b), `case ${i}`);
    t.is(sameValue(b, a), isDeepStrictEqual(b, a), `case ${i}, reversed`);
  }
});

test('sameStored leaves resourceVersion out and compares the rest', (t) => {
  const lease = (rv: string, renew: string): KubeObject => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'n1', namespace: 'kube-node-lease', resourceVersion: rv, ownerReferences: [{ kind: 'Node', name: 'n1', uid: 'u' }] },
    spec: { holderIdentity: 'n1', renewTime: renew },
  } as KubeObject);
  t.true(sameStored(lease('1', 'T1'), lease('2', 'T1')));
  t.false(sameStored(lease('1', 'T1'), lease('1', 'T2')));
  const { resourceVersion: _, ...bare } = lease('1', 'T1').metadata;
  t.true(sameStored({ ...lease('1', 'T1'), metadata: bare }, lease('5', 'T1')));
  t.false(sameStored({ ...lease('1', 'T1'), metadata: { ...bare, labels: { a: 'b' } } }, lease('5', 'T1')));
});
