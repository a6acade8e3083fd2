// Decodes the protobuf bodies kubectl drain sends (its typed client speaks protobuf): DeleteOptions
// and policy/v1 Eviction, inside the `k8s\0` runtime.Unknown envelope.
import { fields, str, unwrap } from '../../api/protobuf/wire.ts';

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
