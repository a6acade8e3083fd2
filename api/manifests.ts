// Manifest text (YAML with several documents, or one JSON object) read as kubectl reads it: sigs.k8s.io/yaml over
// goyaml.v2, so YAML 1.1 scalars (y/yes/on → true, 0755 octal) and goyaml's escapes, the last of
// duplicate keys kept silently (kubectl sends the decoded object, so the server never sees them); `List` kinds expanded.
import { Composer, CST, Parser, type Document } from 'yaml';
import type { KubeObject } from './meta.ts';

/** Thrown for text that is not YAML/JSON, or a document that is not an object with a kind. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

// YAML 1.1 as goyaml.v2 resolves it: timestamps stay strings when decoding into interface{}, no
// sexagesimal numbers, and YAML 1.2's 0o17 octal is read too.
const composer = () =>
  new Composer({
    version: '1.1',
    uniqueKeys: false,
    customTags: (tags) => [...tags.filter((t) => typeof t === 'object' && t.format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp'), 'intOct'],
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

/** Returns the documents of a text as values; throws ManifestError on the first syntax error. */
function documents(text: string): unknown[] {
  // kubectl decodes a text that starts with `{` as JSON (its escapes, not YAML's).
  if (/^\s*\{/.test(text)) {
    try {
      return [JSON.parse(text) as unknown];
    } catch (err) {
      throw new ManifestError((err as Error).message);
    }
  }
  const tokens = [...new Parser().parse(text)];
  for (const t of tokens) goEscapes(t, text);
  const docs: Document[] = [...composer().compose(tokens)];
  for (const d of docs) if (d.errors.length) throw new ManifestError(d.errors[0].message.split('\n')[0]);
  return docs.map((d) => {
    const v = d.toJS() as unknown;
    // JSON has no infinities or NaN (.inf, .nan): sigs.k8s.io/yaml fails converting them.
    JSON.stringify(v, (_k, x: unknown) => {
      if (typeof x === 'number' && !Number.isFinite(x)) throw new ManifestError(`error converting YAML to JSON: json: unsupported value: ${Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf'}`);
      return x;
    });
    return v;
  });
}

/**
 * Returns every object of a manifest text in order (a `List`'s items one by one); empty documents are
 * skipped. With `validate` (kubectl's --validate other than ignore), an object without apiVersion or
 * kind is refused with kubectl's `error validating` text; without, only a missing kind is.
 */
export function manifestObjects(text: string, source: string, opts: { validate?: boolean } = {}): KubeObject[] {
  let docs;
  try {
    docs = documents(text);
  } catch (err) {
    throw new ManifestError(`error parsing ${source}: ${(err as Error).message}`);
  }
  const out: KubeObject[] = [];
  for (const v of docs) {
    if (v === null || v === undefined) continue;
    const o = v as KubeObject & { items?: unknown[] };
    const list = typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items);
    for (const item of list ? o.items! : [v]) out.push(checked(item, source, opts.validate ?? false));
  }
  return out;
}

const notValid = (source: string, why: string) =>
  new ManifestError(`error validating ${JSON.stringify(source)}: error validating data: ${why}; if you choose to ignore these errors, turn validation off with --validate=false`);

function checked(v: unknown, source: string, validate: boolean): KubeObject {
  const o = v as KubeObject;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw validate ? notValid(source, 'invalid object to validate') : new ManifestError(`${source}: a manifest must be an object`);
  if (validate && (o.apiVersion === undefined || o.apiVersion === null)) throw notValid(source, 'apiVersion not set');
  if (typeof o.kind !== 'string' || !o.kind) throw validate ? notValid(source, 'kind not set') : new ManifestError(`${source}: Object 'Kind' is missing in '${JSON.stringify(o).slice(0, 80)}'`);
  o.metadata ??= {};
  return o;
}
