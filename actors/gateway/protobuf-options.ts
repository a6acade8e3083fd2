// Decodes the protobuf bodies kubectl drain sends (its typed client speaks protobuf): DeleteOptions
// and policy/v1 Eviction, inside the `k8s\0` runtime.Unknown envelope.
import { StatusError } from '../../api/status.ts';

const MAGIC = Buffer.from('k8s\0', 'latin1');

const bad = (why: string) => new StatusError(400, 'BadRequest', `the body of the request could not be decoded as protobuf: ${why}`);

type Field = { no: number; varint?: bigint; bytes?: Buffer };

/** Returns the fields of one protobuf message (varint and length-delimited wire types only). */
function fields(buf: Buffer): Field[] {
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
    if (wire === 0) out.push({ no, varint: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (i + len > buf.length) throw bad('truncated field');
      out.push({ no, bytes: buf.subarray(i, i + len) });
      i += len;
    } else throw bad(`unexpected wire type ${wire}`);
  }
  return out;
}

const str = (f: Field) => f.bytes?.toString('utf8') ?? '';

/** Returns the `raw` bytes of a `k8s\0` envelope holding the given kind; 400 otherwise. */
function unwrap(body: Buffer, want: string): Buffer {
  if (!body.subarray(0, 4).equals(MAGIC)) throw bad('missing the k8s envelope');
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(unknown.find((f) => f.no === 1)?.bytes ?? Buffer.alloc(0));
  const kind = str(typeMeta.find((f) => f.no === 2) ?? { no: 2 });
  if (kind !== want) throw bad(`expected a ${want}, got ${JSON.stringify(kind)}`);
  return unknown.find((f) => f.no === 2)?.bytes ?? Buffer.alloc(0);
}

/** DeleteOptions' fields (meta/v1 generated.proto) as JSON. */
function deleteOptions(raw: Buffer): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields(raw)) {
    if (f.no === 1 && f.varint !== undefined) o.gracePeriodSeconds = Number(BigInt.asIntN(64, f.varint));
    else if (f.no === 2 && f.bytes) {
      const pre: Record<string, string> = {};
      for (const p of fields(f.bytes)) {
        if (p.no === 1) pre.uid = str(p);
        else if (p.no === 2) pre.resourceVersion = str(p);
      }
      o.preconditions = pre;
    } else if (f.no === 3 && f.varint !== undefined) o.orphanDependents = f.varint !== 0n;
    else if (f.no === 4) o.propagationPolicy = str(f);
    else if (f.no === 5) o.dryRun = [...((o.dryRun as string[]) ?? []), str(f)];
  }
  return o;
}

/** Returns the JSON form of a protobuf-encoded DeleteOptions; 400 if it is anything else. */
export const decodeDeleteOptions = (body: Buffer) => deleteOptions(unwrap(body, 'DeleteOptions'));

/** Returns the JSON form of a protobuf-encoded policy/v1 Eviction (metadata name and namespace, deleteOptions); 400 if it is anything else. */
export function decodeEviction(body: Buffer): Record<string, unknown> {
  const metadata: Record<string, string> = {};
  const out: Record<string, unknown> = { apiVersion: 'policy/v1', kind: 'Eviction', metadata };
  for (const f of fields(unwrap(body, 'Eviction'))) {
    if (f.no === 1 && f.bytes)
      for (const m of fields(f.bytes)) {
        if (m.no === 1) metadata.name = str(m);
        else if (m.no === 3) metadata.namespace = str(m);
      }
    else if (f.no === 2 && f.bytes) out.deleteOptions = deleteOptions(f.bytes);
  }
  return out;
}
