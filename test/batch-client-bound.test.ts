// jsonBytesAtMost (api/batch.ts): the coalescer splits batches and the API server holds a batch's
// reply to its budget by it while it fits, so it must never be below the bytes of the JSON.
import test from 'ava';
import { jsonBytesAtMost } from '../api/batch.ts';
import { nodeLease } from '../actors/kubelet/lease.ts';

const exact = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '');

/** A small deterministic generator (no Math.random: a failure reproduces). */
function gen(seed: number) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const chars = ['a', 'Z', '"', '\\', '\n', '\u0001', '\u007f', 'é', '\u2028', '\ud83d\ude00', '\ud800', '\udc00', '€'];
  const str = () => Array.from({ length: Math.floor(next() * 12) }, () => chars[Math.floor(next() * chars.length)]).join('');
  const value = (depth: number): unknown => {
    const r = next();
    if (depth > 3 || r < 0.3) return str();
    if (r < 0.4) return [0, -0, 1.5e-7, -1.7976931348623157e308, NaN, Infinity, 123456789012345680000, -0.0000012345678901234567][Math.floor(next() * 8)];
    if (r < 0.45) return [true, false, null, undefined][Math.floor(next() * 4)];
    if (r < 0.7) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () => [str(), value(depth + 1)]));
  };
  return value;
}

test('jsonBytesAtMost is never below the bytes of the JSON', (t) => {
  let checked = 0;
  for (let seed = 1; seed <= 2000; seed++) {
    const v = gen(seed)(0);
    const bound = jsonBytesAtMost(v);
    if (bound < exact(v)) t.fail(`seed ${seed}: bound ${bound} < ${exact(v)} for ${JSON.stringify(v)}`);
    checked++;
  }
  t.is(checked, 2000);
});

test('jsonBytesAtMost of a lease renewal is a few times its size, not more; non-plain data counts as unknown', (t) => {
  const req = { namespace: 'kube-node-lease', name: 'node-1', body: nodeLease('node-1', 'uid-1', 40, Date.UTC(2026, 11, 7)) };
  const bound = jsonBytesAtMost(req);
  t.true(bound >= exact(req));
  t.true(bound <= 8 * exact(req), `${bound} vs ${exact(req)}`);
  t.is(jsonBytesAtMost({ at: new Date(0) }), Infinity);
  t.is(jsonBytesAtMost({ n: 1n }), Infinity);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  t.is(jsonBytesAtMost(cyclic), Infinity);
});
