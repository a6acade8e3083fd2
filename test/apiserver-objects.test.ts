import test from 'ava';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../api/meta.ts';
import { cloneStored, sameStored, sameValue } from '../actors/apiserver/objects.ts';
import { deepFreeze } from '../bus/freeze.ts';

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

test('cloneStored copies as structuredClone does: a mutable deep copy, bytes and dates copied too, a null prototype made plain', (t) => {
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { k: 'v' });
  const stored = deepFreeze({
    metadata: { name: 'n', labels: { a: 'b' }, generation: 3 },
    spec: { list: [1, -0, 'x', null, undefined, [2, { deep: true }]], gone: undefined, bare },
    data: { bytes: new Uint8Array([1, 2, 3]), at: new Date(7) },
  });
  const copy = cloneStored(stored);
  t.deepEqual(copy, structuredClone(stored));
  t.true(Object.is(copy.spec.list[1], -0), '-0 kept, as structuredClone keeps it');
  t.is(Object.getPrototypeOf(copy.spec.bare), Object.prototype);
  t.not(copy.data.bytes, stored.data.bytes, 'bytes are copied, not shared');
  t.not(copy.data.at, stored.data.at);
  copy.metadata.labels.a = 'changed';
  (copy.spec.list[5] as [number, { deep: boolean }])[1].deep = false;
  copy.data.bytes[0] = 9;
  t.is(stored.metadata.labels.a, 'b', 'the stored value is untouched');
  t.true(((stored.spec.list[5] as unknown[])[1] as { deep: boolean }).deep);
  t.is(stored.data.bytes[0], 1);
});
