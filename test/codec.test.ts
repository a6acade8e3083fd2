// The wire codec decodes standard MessagePack only: msgpackr's own extension types (cycles, BigInt,
// Set, RegExp ...) are refused as bad bytes, while everything our encoder writes still round-trips.
import test from 'ava';
import { DecodeError, decode, encode } from '../bus/codec.ts';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

test('codec - what kubus sends round-trips: maps, arrays, bytes, dates, undefined', (t) => {
  const value = { a: [1, 'x', null, true], b: new Uint8Array([1, 2]), c: new Date(0), d: undefined, e: { f: -1.5 } };
  const back = decode<typeof value>(encode(value));
  t.deepEqual({ ...back, b: Uint8Array.from(back.b) }, value);
});

const REFUSED: Array<[string, string]> = [
  ['a cycle (structured-clone reference frames)', 'd66900000001' + '91' + 'd67000000001'],
  ['a BigInt', 'd54201ff'],
  ['a Set', 'd47390'],
  ['a RegExp', 'd47890'],
  ['an Error', 'c70165ff'],
  ['a typed array', 'c7037401ffff'],
  ['an unknown extension type', 'c70110ff'],
  ['0xc1 (never used)', 'c1'],
  ['an empty body', ''],
  ['a truncated array', '9201'],
  ['one value and then more bytes', '0102'],
];
for (const [what, hex] of REFUSED)
  test(`codec - refuses ${what}`, (t) => {
    t.throws(() => decode(bytes(hex)), { instanceOf: DecodeError, message: /^not MessagePack/ });
  });
