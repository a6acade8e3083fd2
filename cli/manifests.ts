// Reading manifests for apply/create/replace/delete -f: files, folders and stdin (the text read by api/manifests.ts).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestError, manifestObjects } from '../api/manifests.ts';
import type { KubeObject } from '../api/meta.ts';
import { StatusError } from '../api/status.ts';
import { UsageError } from './context.ts';

export interface Manifest {
  obj: KubeObject;
  /** The file as the user named it, or STDIN (kubectl's name for it). */
  source: string;
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** Returns every object in the given files/folders ('-' = stdin), in order; `List` kinds are expanded; `validate` as manifestObjects. */
export function readManifests(paths: string[], validate = false): Manifest[] {
  const out: Manifest[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...parse(readFileSync(0, 'utf8'), 'STDIN', validate));
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
    for (const f of files) out.push(...parse(readFileSync(f, 'utf8'), f, validate));
  }
  return out;
}

function parse(text: string, source: string, validate: boolean): Manifest[] {
  try {
    return manifestObjects(text, source, { validate }).map((obj) => ({ obj, source }));
  } catch (err) {
    if (err instanceof ManifestError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * Returns an API error as kubectl reports it for a manifest (cmdutil.AddSourceToErr): the server's
 * message after `error when <verb> "<source>": `; an Invalid error stays as it is (printed from its causes).
 */
export function withSource(err: unknown, verb: string, source: string): unknown {
  if (!(err instanceof StatusError) || err.reason === 'Invalid') return err;
  return new StatusError(err.code, err.reason || 'InternalError', `error when ${verb} ${JSON.stringify(source)}: ${err.message}`, err.status.details);
}
