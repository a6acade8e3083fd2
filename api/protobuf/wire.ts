// The protobuf wire format as Kubernetes sends it: the `k8s\0` magic, a runtime.Unknown envelope
// (typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4), and
// messages whose fields are varints or length-delimited (gogo writes no fixed-width types there).
import { StatusError } from '../status.ts';

const MAGIC = Buffer.from('k8s\0', 'latin1');

/** Returns the 400 for bytes that are not well-formed protobuf. */
export const bad = (why: string) => new StatusError(400, 'BadRequest', `the body of the request could not be decoded as protobuf: ${why}`);

/** One field as read off the wire: a varint or a length-delimited run of bytes. */
export type Field = { no: number; wire: 0 | 2; varint?: bigint; bytes?: Buffer };

/** Returns the fields of one protobuf message, in wire order; 400 on truncation or a wire type other than varint and length-delimited. */
export function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (i >= buf.length) throw bad('truncated varint');
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw bad('varint too long');
  };
  while (i < buf.length) {
    const key = varint();
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no < 1) throw bad('field number 0');
    if (wire === 0) out.push({ no, wire, varint: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw bad('truncated field');
      out.push({ no, wire, bytes: buf.subarray(i, i + len) });
      i += len;
    } else throw bad(`unexpected wire type ${wire}`);
  }
  return out;
}

/** Returns a length-delimited field as UTF-8 text ('' for anything else). */
export const str = (f: Field | undefined) => f?.bytes?.toString('utf8') ?? '';

/** Returns the varints packed in a length-delimited field (repeated scalars may arrive packed). */
export function packed(buf: Buffer): bigint[] {
  const out: bigint[] = [];
  let v = 0n;
  let shift = 0n;
  for (const b of buf) {
    v |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if (!(b & 0x80)) {
      out.push(v);
      v = 0n;
      shift = 0n;
    } else if (shift >= 70n) throw bad('varint too long');
  }
  if (shift) throw bad('truncated varint');
  return out;
}

/** What a `k8s\0` envelope holds: the object's type and its message bytes. */
export type Envelope = { apiVersion: string; kind: string; raw: Buffer; contentEncoding: string };

/** Returns the envelope of a protobuf body, or undefined when the body does not start with the `k8s\0` magic. */
export function envelope(body: Buffer): Envelope | undefined {
  if (!body.subarray(0, 4).equals(MAGIC)) return undefined;
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(unknown.find((f) => f.no === 1)?.bytes ?? Buffer.alloc(0));
  return {
    apiVersion: str(typeMeta.find((f) => f.no === 1)),
    kind: str(typeMeta.find((f) => f.no === 2)),
    raw: unknown.find((f) => f.no === 2)?.bytes ?? Buffer.alloc(0),
    contentEncoding: str(unknown.find((f) => f.no === 3)),
  };
}

/** Returns the `raw` bytes of a `k8s\0` envelope holding the given kind; 400 otherwise. */
export function unwrap(body: Buffer, want: string): Buffer {
  const env = envelope(body);
  if (!env) throw bad('missing the k8s envelope');
  if (env.kind !== want) throw bad(`expected a ${want}, got ${JSON.stringify(env.kind)}`);
  return env.raw;
}
