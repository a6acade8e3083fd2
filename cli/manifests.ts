// Reading manifests for apply/delete -f: files, folders and stdin; YAML (several documents) or JSON.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../api/meta.ts';
import { UsageError } from './context.ts';

export interface Manifest {
  obj: KubeObject;
  source: string;
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** Returns every object in the given files/folders ('-' = stdin), in order; `List` kinds are expanded. */
export function readManifests(paths: string[]): Manifest[] {
  const out: Manifest[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...parse(readFileSync(0, 'utf8'), 'stdin'));
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`the path "${p}" does not exist`);
    }
    const files = st.isDirectory()
      ? readdirSync(p)
          .filter((f) => MANIFEST.test(f))
          .sort()
          .map((f) => join(p, f))
      : [p];
    for (const f of files) out.push(...parse(readFileSync(f, 'utf8'), f));
  }
  return out;
}

function parse(text: string, source: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) {
      const e = doc.errors[0];
      throw new UsageError(`error parsing ${source}: ${e.message.split('\n')[0]}`);
    }
    const v = doc.toJS() as unknown;
    if (v === null || v === undefined) continue;
    if (typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`${source}: a manifest must be an object, got ${Array.isArray(v) ? 'a list' : typeof v}`);
    const o = v as KubeObject & { items?: KubeObject[] };
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const item of o.items) out.push({ obj: item, source });
    } else {
      if (typeof o.kind !== 'string' || !o.kind) throw new UsageError(`${source}: Object 'Kind' is missing in '${JSON.stringify(o).slice(0, 80)}'`);
      o.metadata ??= {};
      out.push({ obj: o, source });
    }
  }
  return out;
}
