// Seeded hex strings are the draws uniformInt(0, 255) would give, byte for byte: recorded traces and
// ids of a seed stay what they were when hex took each byte from the generator directly.
import test from 'ava';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { seededRng } from '../bus/random.ts';

test('random - seeded hex(n) draws the bytes uniformInt(g, 0, 255) draws, one per byte', (t) => {
  for (const seed of [0, 1, 7, -3, 123456789]) {
    const g = xoroshiro128plus(seed);
    const rng = seededRng(seed);
    for (let k = 0; k < 500; k++) {
      const n = 1 + (k % 16);
      const expected = Array.from({ length: n }, () => uniformInt(g, 0, 255).toString(16).padStart(2, '0')).join('');
      const got = rng.hex(n);
      if (got !== expected) return t.fail(`seed ${seed}, draw ${k}: ${got} !== ${expected}`);
    }
  }
  t.pass();
});
