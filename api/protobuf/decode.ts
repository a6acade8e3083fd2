// Table-driven protobuf → JSON for the built-in kinds kubectl's generators send (tables.ts says how
// the tables read). The JSON is what the same object looks like in Kubernetes JSON, so everything
// after decoding (field validation, defaulting, the API server) treats it as any JSON body.
import { AUTHENTICATION } from './authentication.tables.ts';
import { AUTHORIZATION } from './authorization.tables.ts';
import { AUTOSCALING_V1 } from './autoscaling.tables.ts';
import { CORE } from './core.tables.ts';
import { META } from './meta.tables.ts';
import { POD_EXTRAS } from './pod-extras.tables.ts';
import { QUOTA } from './quota.tables.ts';
import { RBAC_NETWORKING } from './rbac-networking.tables.ts';
import { SCHEDULING } from './scheduling.tables.ts';
import type { Table, Tables } from './tables.ts';
import { bad, envelope, fields, packed, type Field } from './wire.ts';
import { WORKLOADS } from './workloads.tables.ts';

/** Thrown when a protobuf body holds something the tables do not cover (a kind, a field): the gateway answers 415 rather than drop data. */
export class ProtobufNotReadableError extends Error {
  override name = 'ProtobufNotReadableError';
}

/** apiVersion/kind of a top-level object → its message. */
const KINDS: Readonly<Record<string, string>> = {
  'v1/Pod': 'Pod',
  'v1/Service': 'Service',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/Namespace': 'Namespace',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/ResourceQuota': 'ResourceQuota',
  'apps/v1/Deployment': 'Deployment',
  'batch/v1/Job': 'Job',
  'batch/v1/CronJob': 'CronJob',
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'networking.k8s.io/v1/Ingress': 'Ingress',
  'autoscaling/v1/HorizontalPodAutoscaler': 'HorizontalPodAutoscalerV1',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'LocalSubjectAccessReview',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'authentication.k8s.io/v1/TokenReview': 'TokenReview',
};

/** apimachinery's messages whose JSON is not an object: each is read with its table, then given its JSON form. */
const SPECIAL: Readonly<Record<string, { table: Table; json: (m: Record<string, unknown>) => unknown }>> = {
  // resource.Quantity {string = 1}: its canonical string.
  Quantity: { table: { 1: 'string *string' }, json: (m) => m.string ?? '' },
  // intstr.IntOrString {type = 1, intVal = 2, strVal = 3}: type 1 is a string.
  IntOrString: { table: { 1: 'type *int64', 2: 'intVal *int32', 3: 'strVal *string' }, json: (m) => (m.type === 1 ? (m.strVal ?? '') : (m.intVal ?? 0)) },
  // meta/v1 Time {seconds = 1, nanos = 2}: RFC 3339 to the second as Go writes it; the zero time is sent empty and is null.
  Time: { table: { 1: 'seconds *int64', 2: 'nanos *int32' }, json: (m) => (m.seconds === undefined ? null : rfc3339(m.seconds as number)) },
  // meta/v1 FieldsV1 {Raw = 1}: JSON bytes.
  FieldsV1: { table: { 1: 'raw *bytes' }, json: (m) => parseJson(Buffer.from((m.raw as string | undefined) ?? '', 'base64')) },
};

const TABLES: Tables = { ...META, ...CORE, ...POD_EXTRAS, ...WORKLOADS, ...SCHEDULING, ...RBAC_NETWORKING, ...AUTOSCALING_V1, ...QUOTA, ...AUTHORIZATION, ...AUTHENTICATION, ...Object.fromEntries(Object.entries(SPECIAL).map(([k, v]) => [k, v.table])) };

type Spec = { json: string; type: string; repeated: boolean; map: boolean; ptr: boolean };

const SCALARS = new Set(['string', 'int32', 'int64', 'bool', 'bytes']);

const specs = new Map<string, Spec>();

/** Returns a table entry's parts ('replicas *int32' → json replicas, type int32, pointer). */
function spec(entry: string): Spec {
  let s = specs.get(entry);
  if (s) return s;
  const [json, t = 'string'] = entry.split(' ');
  const repeated = t.startsWith('[]');
  const map = t.startsWith('{}');
  let type = repeated || map ? t.slice(2) : t;
  const ptr = type.startsWith('*');
  if (ptr) type = type.slice(1);
  if (!SCALARS.has(type) && !TABLES[type]) throw new Error(`protobuf tables: ${entry} names no message`);
  s = { json, type, repeated, map, ptr };
  specs.set(entry, s);
  return s;
}

// Every entry of every table is read once here, so a table naming no message fails on import, not on a request.
for (const table of Object.values(TABLES)) for (const entry of Object.values(table)) spec(entry);

const rfc3339 = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function parseJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    throw bad('a FieldsV1 that is not JSON');
  }
}

/** Returns one scalar field's JSON value. */
function scalar(type: string, f: Field, path: string): unknown {
  if (type === 'string' || type === 'bytes') {
    if (!f.bytes) throw bad(`${path}: expected ${type}, got a varint`);
    return type === 'string' ? f.bytes.toString('utf8') : f.bytes.toString('base64');
  }
  if (f.varint === undefined) throw bad(`${path}: expected ${type}, got length-delimited bytes`);
  if (type === 'bool') return f.varint !== 0n;
  return Number(BigInt.asIntN(type === 'int32' ? 32 : 64, f.varint));
}

/** Returns one field's JSON value: a scalar, or a message (special ones in their JSON form). */
function value(type: string, f: Field, path: string): unknown {
  if (SCALARS.has(type)) return scalar(type, f, path);
  if (!f.bytes) throw bad(`${path}: expected a ${type} message, got a varint`);
  const m = message(type, f.bytes, path);
  return SPECIAL[type] ? SPECIAL[type].json(m) : m;
}

const isZero = (v: unknown) => v === '' || v === 0 || v === false;

/** Returns the JSON object of one message; a field number its table lacks is not readable (415). */
function message(name: string, buf: Buffer, path: string): Record<string, unknown> {
  const table = TABLES[name];
  const out: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    const entry = table[f.no];
    if (entry === undefined) throw new ProtobufNotReadableError(`field ${f.no} of ${name} at ${path || '<root>'} is not known to kubus`);
    const s = spec(entry);
    const at = s.json === '...' ? path : path ? `${path}.${s.json}` : s.json;
    if (s.map) {
      if (!f.bytes) throw bad(`${at}: expected a map entry`);
      const kv = fields(f.bytes);
      const key = String(kv.filter((x) => x.no === 1).map((x) => scalar('string', x, at)).pop() ?? '');
      // An entry without a value holds the zero value (sent as empty bytes, which reads as '', 0 or an empty message).
      const v: Field = kv.filter((x) => x.no === 2).pop() ?? { no: 2, wire: 2, varint: 0n, bytes: Buffer.alloc(0) };
      if (kv.some((x) => x.no !== 1 && x.no !== 2)) throw bad(`${at}: a map entry with a field other than key and value`);
      const entries = (out[s.json] ??= {}) as Record<string, unknown>;
      entries[key] = value(s.type, v, `${at}[${key}]`);
    } else if (s.repeated) {
      const list = (out[s.json] ??= []) as unknown[];
      if (f.wire === 2 && SCALARS.has(s.type) && s.type !== 'string' && s.type !== 'bytes')
        list.push(...packed(f.bytes!).map((varint) => scalar(s.type, { no: f.no, wire: 0, varint }, at)));
      else list.push(value(s.type, f, `${at}[${list.length}]`));
    } else if (s.json === '...') {
      if (!f.bytes) throw bad(`${name}: expected an embedded ${s.type}`);
      Object.assign(out, message(s.type, f.bytes, path));
    } else {
      const v = value(s.type, f, at);
      // A Go value scalar is always sent; its zero is what `omitempty` leaves out of the JSON.
      if (SCALARS.has(s.type) && !s.ptr && isZero(v)) delete out[s.json];
      else out[s.json] = v;
    }
  }
  return out;
}

/** Returns the JSON object of a `k8s\0`-enveloped protobuf body of a kind in the tables; ProtobufNotReadableError for another kind or an unknown field, 400 for broken bytes. */
export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  const env = envelope(body);
  if (!env) throw new ProtobufNotReadableError('the body does not start with the k8s\\0 envelope');
  if (env.contentEncoding) throw new ProtobufNotReadableError(`content encoding ${JSON.stringify(env.contentEncoding)}`);
  const name = KINDS[`${env.apiVersion}/${env.kind}`];
  if (!name) throw new ProtobufNotReadableError(`kubus reads protobuf for ${Object.keys(KINDS).join(', ')} only, not ${env.apiVersion}/${env.kind || '<no kind>'}`);
  return { apiVersion: env.apiVersion, kind: env.kind, ...message(name, env.raw, '') };
}
