// Unknown fields of a custom object, by its CRD's structural schema (upstream's pruning rules): an
// object node with properties knows only those; one with additionalProperties is a map; one marked
// x-kubernetes-preserve-unknown-fields keeps everything; apiVersion, kind and metadata are always known.
import type { TSchema } from '@sinclair/typebox';
import { ObjectMeta } from '../meta.ts';
import { unknownFields } from './fields.ts';

type Node = Record<string, unknown>;
const isObj = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, k: string) => (path ? `${path}.${k}` : k);

/**
 * Returns the paths of fields the schema does not know (pruning them in place when asked); in a
 * patch, `$` directives and nulls (deletions) are not fields.
 */
export function unknownCustomFields(schema: TSchema, value: unknown, opts: { prune?: boolean; patch?: boolean } = {}): string[] {
  const out: string[] = [];
  if (!isObj(value)) return out;
  const meta = value.metadata;
  const rest = { ...value };
  delete rest.apiVersion;
  delete rest.kind;
  delete rest.metadata;
  walk(schema as Node, rest, '', out, opts);
  for (const k of Object.keys(value)) if (!['apiVersion', 'kind', 'metadata'].includes(k) && !(k in rest)) delete value[k];
  if (isObj(meta)) out.push(...unknownFields(ObjectMeta, meta, { prune: opts.prune, kind: opts.patch ? 'patch' : undefined }).map((f) => `metadata.${f}`));
  return out;
}

function walk(s: Node, value: unknown, path: string, out: string[], opts: { prune?: boolean; patch?: boolean }): void {
  if (s['x-kubernetes-preserve-unknown-fields'] === true && !s.properties) return;
  if (Array.isArray(value)) {
    if (isObj(s.items)) value.forEach((v, i) => walk(s.items as Node, v, `${path}[${i}]`, out, opts));
    return;
  }
  if (!isObj(value) || (s.type !== undefined && s.type !== 'object')) return;
  const props = isObj(s.properties) ? s.properties : undefined;
  const additional = s.additionalProperties;
  for (const k of Object.keys(value)) {
    if (opts.patch && (k.startsWith('$') || value[k] === null)) continue;
    if (props && isObj(props[k])) walk(props[k] as Node, value[k], join(path, k), out, opts);
    else if (isObj(additional)) walk(additional, value[k], join(path, k), out, opts);
    else if (additional === true || s['x-kubernetes-preserve-unknown-fields'] === true) continue;
    else {
      out.push(join(path, k));
      if (opts.prune) delete value[k];
    }
  }
}
