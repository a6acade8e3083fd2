// /openapi/v3 (an index of one document per group-version, each addressed with its content hash)
// and /openapi/v2 (not served: kubectl 1.32 reads v3, and falls back to v2 only without it).
import { createHash } from 'node:crypto';
import { openApiDocument, openApiGroupVersions } from '../../api/openapi/index.ts';
import { notServed } from './http.ts';
import type { Fixed } from './routes.ts';

interface Served {
  index: Fixed;
  docs: Map<string, Fixed>;
}

let served: Served | undefined;

/** Builds every document once: the kinds are fixed for the life of the process. */
function build(): Served {
  const docs = new Map<string, Fixed>();
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of openApiGroupVersions()) {
    const json = openApiDocument(gv)!;
    const hash = createHash('sha512').update(JSON.stringify(json)).digest('hex').toUpperCase();
    docs.set(gv, { json });
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  }
  return { index: { json: { paths } }, docs };
}

/** Returns the answer of an /openapi path; 404 for v2 and for group-versions not served. */
export function openApiRoute(path: string): Fixed {
  served ??= build();
  const p = path.replace(/\/+$/, '');
  if (p === '/openapi/v3') return served.index;
  const doc = p.startsWith('/openapi/v3/') ? served.docs.get(p.slice('/openapi/v3/'.length)) : undefined;
  if (!doc) throw notServed();
  return doc;
}
