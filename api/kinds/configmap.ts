// ConfigMaps and Secrets: schemas, defaults (stringData folded into data), key/size/type validation.
import { Type } from '@sinclair/typebox';
import { objectSchema } from '../meta.ts';
import { forbiddenField, immutable, invalidValue, key, required, tooLong, type FieldError } from '../validation/field.ts';
import { goBase64, illegalBase64 } from '../validation/base64.ts';
import { byteLength, validateObjectMeta, validateObjectMetaUpdate } from '../validation/meta.ts';
import { isConfigMapKey, nameIsDNSSubdomain } from '../validation/strings.ts';
import { isObj, opt, StringMap, type Kube } from './common.ts';

/** Upstream's MaxSecretSize (1 MiB), which also bounds ConfigMaps. */
export const MAX_SECRET_SIZE = 1024 * 1024;

export const ConfigMapSchema = objectSchema({ data: opt(StringMap), binaryData: opt(StringMap), immutable: opt(Type.Boolean()) });
export type ConfigMap = Kube<{ data?: Record<string, string>; binaryData?: Record<string, string>; immutable?: boolean }>;

export const SecretSchema = objectSchema({
  data: opt(StringMap),
  stringData: opt(StringMap),
  type: opt(Type.String()),
  immutable: opt(Type.Boolean()),
});
/** A secret; data values are base64 (stringData is folded into data by the defaults and never stored). */
export type Secret = Kube<{ data?: Record<string, string>; stringData?: Record<string, string>; type?: string; immutable?: boolean }>;

const meta = { nameFn: nameIsDNSSubdomain, namespaced: true };

/** Returns the decoded length of base64 text, or Go's decode error (the API server refuses that earlier, with a 400). */
function base64Length(s: string): number | string {
  const r = goBase64(s);
  return 'length' in r ? r.length : illegalBase64(r.illegalAt);
}

/** Fills configmap defaults in place: data is never absent (SetDefaults_ConfigMap). */
export function defaultConfigMap(cm: ConfigMap): void {
  if (isObj(cm) && cm.data == null) cm.data = {};
}

/** Returns the field errors of a configmap: key names, no key in both maps, total size ≤ 1 MiB. */
export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(cm.metadata, meta, errs);
  let total = 0;
  for (const k in cm.data ?? {}) {
    for (const m of isConfigMapKey(k)) errs.push(invalidValue(key('data', k), k, m));
    if (cm.binaryData && k in cm.binaryData) errs.push(invalidValue(key('data', k), k, 'duplicate of key present in binaryData'));
    total += byteLength(cm.data![k]);
  }
  for (const k in cm.binaryData ?? {}) {
    for (const m of isConfigMapKey(k)) errs.push(invalidValue(key('binaryData', k), k, m));
    const n = base64Length(cm.binaryData![k]);
    if (typeof n === 'string') errs.push(invalidValue(key('binaryData', k), '<binary data>', n));
    else total += n;
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('', MAX_SECRET_SIZE));
  return errs;
}

function immutableData(next: { immutable?: boolean; data?: unknown; binaryData?: unknown }, prev: typeof next, errs: FieldError[]): void {
  if (!prev.immutable) return;
  if (!next.immutable) errs.push(forbiddenField('immutable', 'field is immutable when `immutable` is set'));
  for (const k of ['data', 'binaryData'] as const) {
    const e: FieldError[] = [];
    immutable(next[k], prev[k], k, e);
    if (e.length) errs.push(forbiddenField(k, 'field is immutable when `immutable` is set'));
  }
}

/** Returns the update-only field errors of a configmap: nothing may change once `immutable` is set. */
export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(cm.metadata, old.metadata, errs);
  immutableData(cm, old, errs);
  return errs;
}

/** Fills secret defaults in place: type Opaque, stringData folded (base64) into data and dropped. */
export function defaultSecret(s: Secret): void {
  if (!isObj(s)) return;
  s.type ||= 'Opaque';
  if (isObj(s.stringData)) {
    const data = (s.data = isObj(s.data) ? s.data : {});
    for (const k in s.stringData) if (typeof s.stringData[k] === 'string') data[k] = Buffer.from(s.stringData[k], 'utf8').toString('base64');
    delete s.stringData;
  }
}

const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

/** Returns the field errors of a secret: key names, base64 values, size ≤ 1 MiB, keys its type requires. */
export function validateSecret(s: Secret): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMeta(s.metadata, meta, errs);
  let total = 0;
  const data = s.data ?? {};
  for (const k in data) {
    for (const m of isConfigMapKey(k)) errs.push(invalidValue(key('data', k), k, m));
    const n = base64Length(data[k]);
    if (typeof n === 'string') errs.push(invalidValue(key('data', k), '<secret contents redacted>', n));
    else total += n;
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
  const type = s.type ?? '';
  if (type === 'kubernetes.io/service-account-token' && !s.metadata.annotations?.['kubernetes.io/service-account.name'])
    errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data))
    errs.push(required('data[username]'), required('data[password]'));
  for (const k of REQUIRED_KEYS[type] ?? []) if (!(k in data)) errs.push(required(key('data', k)));
  return errs;
}

/** Returns the update-only field errors of a secret: type is immutable, and data once `immutable` is set. */
export function validateSecretUpdate(s: Secret, old: Secret): FieldError[] {
  const errs: FieldError[] = [];
  validateObjectMetaUpdate(s.metadata, old.metadata, errs);
  immutable(s.type ?? '', old.type ?? '', 'type', errs);
  immutableData(s, old, errs);
  return errs;
}

/** Field-selector labels secrets support. */
export const secretFields: Record<string, (s: Secret) => string | undefined> = { type: (s) => s.type ?? '' };
