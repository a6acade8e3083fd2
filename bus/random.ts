// Injected randomness: seeded (deterministic simulations) or crypto-backed (real clusters).
import { randomBytes, randomFillSync, randomInt, randomUUID } from 'node:crypto';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

export interface Rng {
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** `bytes` random bytes as lowercase hex. */
  hex(bytes: number): string;
  /** An RFC 4122 version-4 UUID. */
  uuid(): string;
  /** An independent generator for a named part, so adding one actor does not shift another's sequence. */
  fork(name: string): Rng;
}

const hex2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** The character codes of a byte's two hex digits. */
const HEX_HIGH = hex2.map((h) => h.charCodeAt(0));
const HEX_LOW = hex2.map((h) => h.charCodeAt(1));
/** A code array per length asked for (reused: hex() runs once or twice per message). */
const hexCodes: number[][] = [];

/** Returns a deterministic generator for a seed. */
export function seededRng(seed: number): Rng {
  const g = xoroshiro128plus(seed | 0);
  const byte = () => uniformInt(g, 0, 255);
  const rng: Rng = {
    float: () => uniformFloat64(g),
    int: (n) => uniformInt(g, 0, n - 1),
    // uniformInt(g, 0, 255) is (g.next() + 2^31) % 256, the same low byte: one draw each, without its range arithmetic (a span id per message).
    hex(bytes) {
      // The characters' codes, made into one flat string at once: half the time of joining 2-character pieces.
      const codes = (hexCodes[bytes] ??= new Array<number>(2 * bytes));
      for (let i = 0; i < bytes; i++) {
        const b = g.next() & 255;
        codes[2 * i] = HEX_HIGH[b];
        codes[2 * i + 1] = HEX_LOW[b];
      }
      return String.fromCharCode.apply(null, codes);
    },
    uuid() {
      const b = Array.from({ length: 16 }, byte);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = b.map((x) => hex2[x]).join('');
      return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
    },
    fork: (name) => seededRng(hashSeed(seed, name)),
  };
  return rng;
}

// Random bytes drawn 4 KiB at a time: span ids are made for every message, and a syscall each is slow.
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function poolHex(bytes: number): string {
  if (bytes > pool.length) return randomBytes(bytes).toString('hex');
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  poolAt += bytes;
  return pool.toString('hex', poolAt - bytes, poolAt);
}

/** Returns a generator backed by node:crypto (not reproducible). */
export function cryptoRng(): Rng {
  const rng: Rng = {
    float: () => randomInt(0, 2 ** 48 - 1) / 2 ** 48,
    int: (n) => randomInt(0, n),
    hex: poolHex,
    uuid: () => randomUUID(),
    fork: () => rng,
  };
  return rng;
}

/** Mixes a seed and a name into a new 32-bit seed (FNV-1a). */
function hashSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
