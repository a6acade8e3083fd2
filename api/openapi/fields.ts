// Unknown and duplicate fields, as upstream's strict decoding reports them (`spec.foo`,
// `spec.template.spec.containers[0].foo`): found against the kinds' schemas and the raw JSON text.
import type { TSchema } from '@sinclair/typebox';
import { namedType } from './names.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, k: string) => (path ? `${path}.${k}` : k);

/** How a body is read: a whole object, or a merge/strategic patch (directive keys `$...` and nulls are not fields). */
export type BodyKind = 'object' | 'patch';

/**
 * Returns the paths of the fields a closed type does not have (see names.ts; open types take anything),
 * deleting them from `value` when `prune` is set, as upstream's decoder drops them.
 */
export function unknownFields(schema: TSchema, value: unknown, opts: { prune?: boolean; kind?: BodyKind } = {}): string[] {
  const out: string[] = [];
  walk(schema, value, '', out, opts.prune ?? false, opts.kind === 'patch');
  return out;
}

function walk(schema: TSchema, value: unknown, path: string, out: string[], prune: boolean, patch: boolean): void {
  if (schema.type === 'array' && schema.items && Array.isArray(value)) {
    value.forEach((v, i) => walk(schema.items as TSchema, v, `${path}[${i}]`, out, prune, patch));
    return;
  }
  if (schema.type !== 'object' || !isObj(value)) return;
  if (schema.patternProperties) {
    const [item] = Object.values(schema.patternProperties as Record<string, TSchema>);
    for (const k of Object.keys(value)) walk(item, value[k], join(path, k), out, prune, patch);
    return;
  }
  const props = (schema.properties ?? {}) as Record<string, TSchema>;
  const closed = namedType(schema)?.closed;
  for (const k of Object.keys(value)) {
    if (patch && (k.startsWith('$') || value[k] === null)) continue;
    if (Object.hasOwn(props, k)) walk(props[k], value[k], join(path, k), out, prune, patch);
    else if (closed && !closed.includes(k)) {
      out.push(join(path, k));
      if (prune) delete value[k];
    }
  }
}

/** Returns the schema a JSON pointer leads to (array indexes and `-` step into items), if the schema knows it; null when a closed type lacks the field. */
export function schemaAt(schema: TSchema, pointer: string): { schema?: TSchema; unknown?: string } {
  let s: TSchema | undefined = schema;
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!s) return {};
    if (s.type === 'array') {
      s = s.items as TSchema;
      path += `[${seg}]`;
    } else if (s.type === 'object' && s.patternProperties) {
      s = Object.values(s.patternProperties as Record<string, TSchema>)[0];
      path = join(path, seg);
    } else if (s.type === 'object') {
      path = join(path, seg);
      const props = (s.properties ?? {}) as Record<string, TSchema>;
      if (Object.hasOwn(props, seg)) s = props[seg];
      else {
        const closed = namedType(s)?.closed;
        return closed && !closed.includes(seg) ? { unknown: path } : {};
      }
    } else return {};
  }
  return { schema: s };
}

/**
 * Returns the unknown fields the add and replace operations of a JSON patch would write (their
 * targets and values); with `prune`, drops those operations and fields from the patch in place.
 */
export function unknownFieldsOfJsonPatch(schema: TSchema, ops: unknown, opts: { prune?: boolean } = {}): string[] {
  if (!Array.isArray(ops)) return [];
  const out: string[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op: unknown = ops[i];
    if (!isObj(op) || typeof op.path !== 'string' || !['add', 'replace'].includes(op.op as string)) continue;
    const at = schemaAt(schema, op.path);
    if (at.unknown) {
      out.push(at.unknown);
      if (opts.prune) ops.splice(i--, 1);
    } else if (at.schema) {
      const prefix = at.schema.type === 'object' || at.schema.type === 'array' ? pointerPath(op.path) : '';
      for (const f of unknownFields(at.schema, op.value, opts)) out.push(prefix ? (f.startsWith('[') ? prefix + f : `${prefix}.${f}`) : f);
    }
  }
  return out;
}

const pointerPath = (pointer: string) =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((p, s) => (/^(\d+|-)$/.test(s) ? `${p}[${s}]` : join(p, s)), '');

/**
 * Returns the paths of keys that occur twice in one object of a JSON text (JSON.parse keeps the
 * last silently). The text must already have parsed; upstream keeps the last value too.
 */
export function duplicateFields(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const str = (): string => {
    const start = ++i;
    let escaped = false;
    while (text[i] !== '"') {
      if (text[i] === '\\') {
        escaped = true;
        i++;
      }
      i++;
    }
    i++;
    return escaped ? (JSON.parse(text.slice(start - 1, i)) as string) : text.slice(start, i - 1);
  };
  // An explicit stack (not recursion): a body may nest deeper than the call stack allows.
  const stack: Array<{ path: string; keys?: Set<string>; n: number }> = [];
  let path = '';
  for (;;) {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      stack.push({ path, keys: c === '{' ? new Set() : undefined, n: 0 });
    } else if (c === '"') str();
    else if (c !== '}' && c !== ']' && c !== ',') while (i < text.length && !',}] \t\n\r'.includes(text[i])) i++;
    // After a value (or an opening bracket): close, separate, or name the next member.
    for (;;) {
      ws();
      const top = stack.at(-1);
      if (!top) return out;
      const d = text[i];
      if (d === '}' || d === ']') {
        i++;
        stack.pop();
        continue;
      }
      if (d === ',') i++;
      ws();
      if (top.keys) {
        if (text[i] === '}') continue;
        const k = str();
        path = join(top.path, k);
        if (top.keys.has(k)) out.push(path);
        else top.keys.add(k);
        ws();
        i++; // ':'
      } else {
        if (text[i] === ']') continue;
        path = `${top.path}[${top.n++}]`;
      }
      break;
    }
  }
}
