// The []byte fields of the kinds (a Secret's data, a ConfigMap's binaryData, a webhook's caBundle) as
// upstream's JSON decoder reads them: Go's base64.StdEncoding, whose failures are 400s at decode time.
import { isObj } from '../kinds/common.ts';
import type { KubeObject } from '../meta.ts';
import type { ResourceDef } from '../resource.ts';
import { StatusError } from '../status.ts';

const EQ = 0x3d;
const isNewline = (c: number) => c === 0x0a || c === 0x0d;
const isAlphabet = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;

/**
 * Decodes base64 text as Go's base64.StdEncoding does (padding required, CR and LF skipped, bytes after
 * the padding refused): the decoded length, or the input byte Go's CorruptInputError names.
 */
export function goBase64(s: string): { length: number } | { illegalAt: number } {
  let si = 0;
  let length = 0;
  for (;;) {
    let j = 0;
    while (j < 4) {
      if (si === s.length) return j === 0 ? { length } : { illegalAt: si - j };
      const c = s.charCodeAt(si++);
      if (isAlphabet(c)) j++;
      else if (isNewline(c)) continue;
      else if (c !== EQ || j < 2) return { illegalAt: si - 1 };
      else {
        // Padding: a quantum of two characters needs "==", of three "=".
        if (j === 2) {
          while (si < s.length && isNewline(s.charCodeAt(si))) si++;
          if (si === s.length) return { illegalAt: s.length };
          if (s.charCodeAt(si) !== EQ) return { illegalAt: si - 1 };
          si++;
        }
        while (si < s.length && isNewline(s.charCodeAt(si))) si++;
        return si < s.length ? { illegalAt: si } : { length: length + j - 1 };
      }
    }
    length += 3;
  }
}

/** Go's CorruptInputError text. */
export const illegalBase64 = (at: number) => `illegal base64 data at input byte ${at}`;

/** The base64 values of a map field. */
const mapValues = (m: unknown): unknown[] => (isObj(m) ? Object.values(m) : []);
/** A caBundle under a clientConfig. */
const caBundle = (clientConfig: unknown): unknown[] => (isObj(clientConfig) ? [clientConfig.caBundle] : []);
const webhooks = (o: Record<string, unknown>): unknown[] => (Array.isArray(o.webhooks) ? o.webhooks.flatMap((w) => (isObj(w) ? caBundle(w.clientConfig) : [])) : []);
const path = (o: unknown, ...keys: string[]): unknown => keys.reduce((v, k) => (isObj(v) ? v[k] : undefined), o);

/** Each kind's []byte values, in the order a JSON decoder meets them, keyed by group/Kind. */
const BYTE_FIELDS: Record<string, (o: Record<string, unknown>) => unknown[]> = {
  '/Secret': (o) => mapValues(o.data),
  '/ConfigMap': (o) => mapValues(o.binaryData),
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': webhooks,
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': webhooks,
  'apiextensions.k8s.io/CustomResourceDefinition': (o) => caBundle(path(o, 'spec', 'conversion', 'webhook', 'clientConfig')),
};

/** Each kind's entry of BYTE_FIELDS (null: none), found once: a key string per write otherwise. */
const byteFieldsOf = new WeakMap<ResourceDef, ((o: Record<string, unknown>) => unknown[]) | null>();

/**
 * Throws upstream's 400 when a []byte field of a whole object is not base64 (`Secret in version "v1"
 * cannot be handled as a Secret: illegal base64 data at input byte 4`); nothing is stored.
 */
export function checkByteFields(def: ResourceDef, obj: KubeObject): void {
  let fields = byteFieldsOf.get(def);
  if (fields === undefined) byteFieldsOf.set(def, (fields = BYTE_FIELDS[`${def.group}/${def.kind}`] ?? null));
  if (!fields) return;
  for (const v of fields(obj as unknown as Record<string, unknown>)) {
    if (typeof v !== 'string') continue; // a non-string is the schema's type error
    const r = goBase64(v);
    if ('illegalAt' in r)
      throw new StatusError(400, 'BadRequest', `${def.kind} in version ${JSON.stringify(def.version)} cannot be handled as a ${def.kind}: ${illegalBase64(r.illegalAt)}`);
  }
}
