// Manifest text (YAML with several documents, or one JSON object) read as kubectl reads it: sigs.k8s.io/yaml over
// goyaml.v2, so YAML 1.1 scalars (yes/on → true, 0755 octal) and goyaml's escapes, the last of
// duplicate keys kept (and reported, for strict field validation); `List` kinds expanded.
import { Composer, CST, isMap, isPair, isScalar, isSeq, Parser, type Document, type Node } from 'yaml';
import type { KubeObject } from './meta.ts';
import { duplicateFields } from './openapi/fields.ts';

/** Thrown for text that is not YAML/JSON, or a document that is not an object with a kind. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** One object of a manifest, with the keys its text gave twice (`spec.replicas`, as upstream's strict decoding names them). */
export interface ManifestObject {
  obj: KubeObject;
  duplicates: string[];
}

// goyaml.v2 keeps timestamps as strings when decoding into interface{}, and has no sexagesimal numbers.
const composer = () =>
  new Composer({
    version: '1.1',
    uniqueKeys: false,
    customTags: (tags) => tags.filter((t) => typeof t === 'object' && t.format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp'),
  });

/**
 * goyaml.v2's escapes in double-quoted scalars differ from YAML 1.2's (the npm parser's) in two: it takes
 * `\'` (libyaml's escape for `'`), rewritten here to a plain `'` (its meaning there) in those scalars'
 * source only, and it refuses `\/`, as kubectl does.
 */
function goEscapes(token: CST.Token, text: string): void {
  const fix = (n: CST.Token | null | undefined) => {
    if (n?.type !== 'double-quoted-scalar' || !/\\['/]/.test(n.source)) return;
    n.source = n.source.replace(/\\(.)/gs, (m, c: string, at: number) => {
      if (c === '/') throw new ManifestError(`error converting YAML to JSON: yaml: line ${lineAt(text, n.offset + at)}: found unknown escape character`);
      return c === "'" ? c : m;
    });
  };
  if (token.type !== 'document') return;
  fix(token.value);
  CST.visit(token, (item) => {
    fix(item.key);
    fix(item.value);
  });
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

const join = (path: string, k: string) => (path ? `${path}.${k}` : k);

/** Returns the paths of keys given twice in one mapping (below `node`). */
function duplicateKeys(node: unknown, path: string, out: string[]): string[] {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = String(isScalar(pair.key) ? pair.key.value : pair.key);
      if (seen.has(k)) out.push(join(path, k));
      seen.add(k);
      duplicateKeys(pair.value, join(path, k), out);
    }
  } else if (isSeq(node)) node.items.forEach((n, i) => duplicateKeys(n, `${path}[${i}]`, out));
  return out;
}

/** Returns the documents of a text with their duplicate keys; throws ManifestError on the first syntax error. */
function documents(text: string): Array<{ value: unknown; duplicates: string[] }> {
  // kubectl decodes a text that starts with `{` as JSON (its escapes, not YAML's).
  if (/^\s*\{/.test(text)) {
    try {
      return [{ value: JSON.parse(text) as unknown, duplicates: duplicateFields(text) }];
    } catch (err) {
      throw new ManifestError((err as Error).message);
    }
  }
  const tokens = [...new Parser().parse(text)];
  for (const t of tokens) goEscapes(t, text);
  const docs: Document[] = [...composer().compose(tokens)];
  for (const d of docs) if (d.errors.length) throw new ManifestError(d.errors[0].message.split('\n')[0]);
  return docs.map((d) => ({ value: d.toJS() as unknown, duplicates: duplicateKeys(d.contents as Node, '', []) }));
}

/** Returns every object of a manifest text in order (a `List`'s items one by one); empty documents are skipped. */
export function manifestObjects(text: string, source: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  let docs;
  try {
    docs = documents(text);
  } catch (err) {
    throw new ManifestError(`error parsing ${source}: ${(err as Error).message}`);
  }
  for (const { value: v, duplicates } of docs) {
    if (v === null || v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new ManifestError(`${source}: a manifest must be an object, got ${Array.isArray(v) ? 'a list' : typeof v}`);
    const o = v as KubeObject & { items?: KubeObject[] };
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      o.items.forEach((obj, i) => {
        const prefix = `items[${i}].`;
        out.push({ obj: checked(obj, source), duplicates: duplicates.filter((d) => d.startsWith(prefix)).map((d) => d.slice(prefix.length)) });
      });
    } else out.push({ obj: checked(o, source), duplicates });
  }
  return out;
}

function checked(o: KubeObject, source: string): KubeObject {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ManifestError(`${source}: a manifest must be an object`);
  if (typeof o.kind !== 'string' || !o.kind) throw new ManifestError(`${source}: Object 'Kind' is missing in '${JSON.stringify(o).slice(0, 80)}'`);
  o.metadata ??= {};
  return o;
}
