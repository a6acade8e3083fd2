// /openapi/v3 (an index of one document per group-version, each addressed with its content hash)
// and /openapi/v2: the Swagger 2.0 document with every definition, in JSON or as gnostic's protobuf
// (kubectl reads v2 for `explain --output=plaintext-openapiv2` and to validate a `kind: List`).
import { createHash } from 'node:crypto';
import { encodeGnostic, openApiDocument, openApiGroupVersions, swaggerDocument } from '../../api/openapi/index.ts';
import { resourcesGeneration } from '../../api/resources.ts';
import { notServed } from './http.ts';
import type { Fixed } from './routes.ts';

interface Served {
  index: Fixed;
  docs: Map<string, Fixed>;
}

let served: Served | undefined;
/** The resource table's generation the documents were built from: a CRD change rebuilds them. */
let builtAt = -1;

/** Builds every document once per set of served resources (custom resources come and go). */
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

let v2: { json: Fixed; protobuf: Fixed } | undefined;

/** /openapi/v2: protobuf when asked for it (as kubectl does), else JSON; both built once. */
function openApiV2(accept = ''): Fixed {
  if (!v2) {
    const json = swaggerDocument();
    v2 = { json: { json }, protobuf: { bytes: encodeGnostic(json), contentType: OPENAPI_V2_PROTOBUF } };
  }
  return /com\.github\.proto-openapi\.spec\.v2[.@]v1\.0\+protobuf/.test(accept) ? v2.protobuf : v2.json;
}

/** Returns the answer of an /openapi path; 404 for group-versions not served. */
export function openApiRoute(path: string, accept?: string): Fixed {
  if (builtAt !== resourcesGeneration()) {
    builtAt = resourcesGeneration();
    served = build();
    v2 = undefined;
  }
  served ??= build();
  const p = path.replace(/\/+$/, '');
  if (p === '/openapi/v2') return openApiV2(accept);
  if (p === '/openapi/v3') return served.index;
  const doc = p.startsWith('/openapi/v3/') ? served.docs.get(p.slice('/openapi/v3/'.length)) : undefined;
  if (!doc) throw notServed();
  return doc;
}
