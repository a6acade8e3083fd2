// What `s.apply` takes: objects, YAML/JSON text (several documents), or a manifest file's path.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ManifestError, manifestObjects } from '../api/manifests.ts';
import type { KubeObject } from '../api/meta.ts';
import type { Manifest } from './types.ts';

export { ManifestError };

const FILE = /^[^\n]+\.(ya?ml|json)$/i;

/** Returns the objects in `what`; a path is read relative to `baseDir` (the script's folder), then the working folder. */
export function toObjects(what: Manifest | Manifest[] | string, baseDir = process.cwd()): KubeObject[] {
  if (Array.isArray(what)) return what.flatMap((w) => toObjects(w, baseDir));
  if (typeof what !== 'string') return [checked(structuredClone(what) as KubeObject, 'object')];
  if (FILE.test(what.trim())) {
    const p = what.trim();
    const path = isAbsolute(p) ? p : [resolve(baseDir, p), resolve(p)].find((x) => existsSync(x));
    if (!path || !existsSync(path)) throw new ManifestError(`manifest file "${p}" not found (looked in ${baseDir} and ${process.cwd()})`);
    return parse(readFileSync(path, 'utf8'), path);
  }
  return parse(what, 'inline YAML');
}

function parse(text: string, source: string): KubeObject[] {
  return manifestObjects(text, source).map((o) => checked(o, source));
}

function checked(o: KubeObject, source: string): KubeObject {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ManifestError(`${source}: a manifest must be an object`);
  if (typeof o.kind !== 'string' || !o.kind) throw new ManifestError(`${source}: the object has no kind: ${JSON.stringify(o).slice(0, 80)}`);
  o.metadata ??= {};
  return o;
}
