// Field selectors (apimachinery/pkg/fields): `metadata.name=x,spec.nodeName!=y`, compiled against a kind's getters.
import type { KubeObject } from './meta.ts';
import { badRequest } from './status.ts';

/** One field requirement; `==` is parsed as `=`. */
export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Getters for the field labels a kind supports (besides metadata.name and metadata.namespace). */
export type FieldGetters<T = KubeObject> = Record<string, (obj: T) => string | undefined>;

/** A compiled field selector. */
export type FieldMatcher<T = KubeObject> = (obj: T) => boolean;

function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw badRequest(`invalid field selector: unescaped character in value: ${c}`);
    else out += c;
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Returns a value with `\`, `,` and `=` escaped, as upstream's EscapeValue. */
export const escapeFieldValue = (v: string): string => v.replace(/[\\,=]/g, (c) => `\\${c}`);

/** Parses a field selector; throws a 400 StatusError worded as upstream for a malformed one. */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const part of splitTerms(selector).sort()) {
    if (part === '') continue;
    let found: FieldRequirement | undefined;
    for (let i = 0; i < part.length && !found; i++) {
      for (const op of ['!=', '==', '='] as const) {
        if (part.startsWith(op, i)) {
          found = { field: part.slice(0, i), op: op === '!=' ? '!=' : '=', value: unescapeValue(part.slice(i + op.length)) };
          break;
        }
      }
    }
    if (!found) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    reqs.push(found);
  }
  return reqs;
}

/** Returns the selector string of field requirements (values escaped). */
export const fieldSelectorToString = (reqs: readonly FieldRequirement[]): string =>
  reqs.map((r) => `${r.field}${r.op}${escapeFieldValue(r.value)}`).join(',');

const META_GETTERS: FieldGetters = {
  'metadata.name': (o) => o.metadata?.name,
  'metadata.namespace': (o) => o.metadata?.namespace,
};

/** Returns a matcher for field requirements against a kind's getters; throws 400 `field label not supported: X` for unknown labels. */
export function compileFieldRequirements<T extends KubeObject>(reqs: readonly FieldRequirement[], getters: FieldGetters<T> = {}): FieldMatcher<T> {
  const ms = reqs.map((r): FieldMatcher<T> => {
    const get = (getters[r.field] ?? (META_GETTERS as FieldGetters<T>)[r.field]) as ((o: T) => string | undefined) | undefined;
    if (!get) throw badRequest(`field label not supported: ${r.field}`);
    const { value } = r;
    return r.op === '=' ? (o) => (get(o) ?? '') === value : (o) => (get(o) ?? '') !== value;
  });
  if (ms.length === 0) return () => true;
  if (ms.length === 1) return ms[0];
  return (o) => {
    for (const m of ms) if (!m(o)) return false;
    return true;
  };
}

/** Parses and compiles a field selector for a kind (see compileFieldRequirements). */
export const fieldSelectorMatcher = <T extends KubeObject>(selector: string, getters: FieldGetters<T> = {}): FieldMatcher<T> =>
  compileFieldRequirements(parseFieldSelector(selector), getters);

/** Returns the value an exact `field=value` requirement demands (e.g. spec.nodeName for node-indexed pod watches), else undefined. */
export function exactFieldValue(reqs: readonly FieldRequirement[] | string, field: string): string | undefined {
  const list = typeof reqs === 'string' ? parseFieldSelector(reqs) : reqs;
  for (const r of list) if (r.field === field && r.op === '=') return r.value;
  return undefined;
}
