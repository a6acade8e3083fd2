// /openapi/v3 (an index of one document per group-version, each addressed with its content hash)
// and /openapi/v2: a document without definitions (kubectl 1.32 reads v3; it reads v2 only to
// validate a `kind: List` on the client, and skips kinds v2 does not define).
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

/** The media type of /openapi/v2 in protobuf (gnostic's openapi_v2.Document); kubectl asks for its older `...v2@v1.0+protobuf` spelling, which Go cannot parse in a reply. */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const INFO = { title: 'Kubernetes', version: 'v1.32.0-kubus' };

/** One length-delimited protobuf field (every field here is a string or a message). */
const field = (n: number, value: Buffer | string) => {
  const v = typeof value === 'string' ? Buffer.from(value) : value;
  if (v.length > 127) throw new Error('field too long for a one-byte length');
  return Buffer.concat([Buffer.from([(n << 3) | 2, v.length]), v]);
};

/** openapi_v2.Document { swagger = 1: "2.0", info = 2: { title = 1, version = 2 } }. */
const V2_PROTOBUF = Buffer.concat([field(1, '2.0'), field(2, Buffer.concat([field(1, INFO.title), field(2, INFO.version)]))]);

/** /openapi/v2: protobuf when asked for it (as kubectl does), else JSON. */
const openApiV2 = (accept = ''): Fixed =>
  /com\.github\.proto-openapi\.spec\.v2[.@]v1\.0\+protobuf/.test(accept) ? { bytes: V2_PROTOBUF, contentType: OPENAPI_V2_PROTOBUF } : { json: { swagger: '2.0', info: INFO, paths: {}, definitions: {} } };

/** Returns the answer of an /openapi path; 404 for group-versions not served. */
export function openApiRoute(path: string, accept?: string): Fixed {
  served ??= build();
  const p = path.replace(/\/+$/, '');
  if (p === '/openapi/v2') return openApiV2(accept);
  if (p === '/openapi/v3') return served.index;
  const doc = p.startsWith('/openapi/v3/') ? served.docs.get(p.slice('/openapi/v3/'.length)) : undefined;
  if (!doc) throw notServed();
  return doc;
}
