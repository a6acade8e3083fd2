// The wire codec: MessagePack via msgpackr, in the standard (interoperable) dialect.
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/** Thrown when bytes are not one complete MessagePack value. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

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
