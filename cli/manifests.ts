// Reading manifests for apply/create/replace/delete -f: files, folders and stdin (the text read by api/manifests.ts).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestError, manifestObjects } from '../api/manifests.ts';
import type { KubeObject } from '../api/meta.ts';
import { UsageError } from './context.ts';

export interface Manifest {
  obj: KubeObject;
  source: string;
  /** Keys the text gave twice (strict field validation refuses them). */
  duplicates: string[];
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
  try {
    return manifestObjects(text, source).map((m) => ({ ...m, source }));
  } catch (err) {
    if (err instanceof ManifestError) throw new UsageError(err.message);
    throw err;
  }
}
