// The wire codec: MessagePack via msgpackr, in the standard (interoperable) dialect.
import { Packr, addExtension } from 'msgpackr';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** Thrown when bytes are not one complete MessagePack value. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

// msgpackr's own extension types (BigInt, bundled strings, Error, references, Set, typed arrays,
// RegExp): our encoder never writes them, and what they decode to is no data a kubus message holds
// (a cyclic body overflowed the API server's stack), so a message using them is refused as bad bytes.
// The extension table is msgpackr's global, and this module is msgpackr's only user.
const FOREIGN_EXTENSIONS: Record<number, string> = {
  0x42: 'BigInt',
  0x62: 'bundled strings',
  0x65: 'Error',
  0x69: 'reference',
  0x70: 'reference',
  0x73: 'Set',
  0x74: 'typed array',
  0x78: 'RegExp',
};
for (const [type, what] of Object.entries(FOREIGN_EXTENSIONS))
  addExtension({
    type: Number(type),
    unpack() {
      throw new Error(`extension type 0x${Number(type).toString(16)} (msgpackr's ${what}) is not standard MessagePack`);
    },
  });

/** Returns the MessagePack bytes of a value. */
export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Returns the value held by MessagePack bytes; throws DecodeError when they hold none. */
export function decode<T = unknown>(bytes: Uint8Array): T {
  // 0xC1 is "never used" in MessagePack; msgpackr decodes it to a marker object instead of failing.
  if (bytes.length === 0 || bytes[0] === 0xc1) throw new DecodeError(`not MessagePack (${bytes.length} bytes)`);
  try {
    return packr.unpack(bytes) as T;
  } catch (err) {
    throw new DecodeError(`not MessagePack: ${(err as Error).message}`);
  }
}
