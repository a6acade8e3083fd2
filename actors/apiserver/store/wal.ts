// The write-ahead log format: records framed as [u32 length][u32 crc32][msgpack payload], little-endian.
import { crc32 } from 'node:zlib';
import { decode, encode } from '../../../bus/codec.ts';

/** Bytes of the frame header (length + checksum). */
export const HEADER_BYTES = 8;
/** Larger lengths are taken as corruption, not as a record to wait for. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** One logged change: put/del carry the revision they made; compact carries its target revision. */
export type WalRecord =
  | { t: 'put'; rev: number; key: string; value: unknown }
  | { t: 'del'; rev: number; key: string }
  | { t: 'compact'; rev: number };

/** Thrown when a payload with a valid checksum does not hold a record. */
export class WalFormatError extends Error {
  override name = 'WalFormatError';
}

/** Returns the payload bytes of a record (a msgpack array, compact on disk). */
export function encodeRecord(r: WalRecord): Uint8Array {
  if (r.t === 'put') return encode(['p', r.rev, r.key, r.value]);
  if (r.t === 'del') return encode(['d', r.rev, r.key]);
  return encode(['c', r.rev]);
}

/** Returns the record a payload holds; throws WalFormatError (or the codec's DecodeError) otherwise. */
export function decodeRecord(payload: Uint8Array): WalRecord {
  const a = decode<unknown[]>(payload);
  if (!Array.isArray(a) || typeof a[1] !== 'number' || !Number.isInteger(a[1])) {
    throw new WalFormatError('record is not [type, revision, ...]');
  }
  const [t, rev, key] = a;
  if (t === 'c' && a.length === 2) return { t: 'compact', rev };
  if (typeof key !== 'string') throw new WalFormatError(`record ${String(t)} at revision ${rev} has no key`);
  if (t === 'p' && a.length === 4) return { t: 'put', rev, key, value: a[3] };
  if (t === 'd' && a.length === 3) return { t: 'del', rev, key };
  throw new WalFormatError(`unknown record type ${String(t)}`);
}

/** Returns one buffer holding every payload framed with its length and crc32, ready to append. */
export function frame(payloads: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const p of payloads) total += HEADER_BYTES + p.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const p of payloads) {
    out.writeUInt32LE(p.length, at);
    out.writeUInt32LE(crc32(p), at + 4);
    out.set(p, at + HEADER_BYTES);
    at += HEADER_BYTES + p.length;
  }
  return out;
}

/** The outcome of scanning framed bytes: the complete records, where they end, and why scanning stopped early. */
export interface ScanResult {
  payloads: Uint8Array[];
  /** Byte offset of each payload's frame. */
  offsets: number[];
  /** Offset just past the last good record: the length to truncate a damaged file to. */
  end: number;
  /** Set when bytes after `end` are not a complete, valid record (torn tail or corruption). */
  problem?: string;
}

/** Returns the valid records at the start of buf, stopping at the first torn or corrupt one. */
export function scan(buf: Uint8Array): ScanResult {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const payloads: Uint8Array[] = [];
  const offsets: number[] = [];
  let at = 0;
  let problem: string | undefined;
  while (at < view.length) {
    if (view.length - at < HEADER_BYTES) {
      problem = `torn record header at offset ${at} (${view.length - at} of ${HEADER_BYTES} bytes)`;
      break;
    }
    const len = view.readUInt32LE(at);
    if (len === 0 || len > MAX_RECORD_BYTES) {
      problem = `bad record length ${len} at offset ${at}`;
      break;
    }
    if (view.length - at - HEADER_BYTES < len) {
      problem = `torn record at offset ${at} (${view.length - at - HEADER_BYTES} of ${len} payload bytes)`;
      break;
    }
    const payload = view.subarray(at + HEADER_BYTES, at + HEADER_BYTES + len);
    if (crc32(payload) !== view.readUInt32LE(at + 4)) {
      problem = `checksum mismatch in record at offset ${at}`;
      break;
    }
    payloads.push(payload);
    offsets.push(at);
    at += HEADER_BYTES + len;
  }
  return { payloads, offsets, end: at, problem };
}
