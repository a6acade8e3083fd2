// The gateway's route table: fixed paths (version, health, discovery) and the resource paths
// `/api/v1/...` and `/apis/<group>/<version>/...`, parsed into what a verb handler needs.
import type { ResourceDef } from '../../api/resource.ts';
import { StatusError } from '../../api/status.ts';
import { AGGREGATED, aggregatedDiscovery, wantsAggregated } from './aggregated.ts';
import { apiGroupDoc, apiGroupList, apiResourceList, apiVersions, servedResource, servesGroupVersion, subresourcesOf, versionInfo } from './discovery.ts';
import { notServed } from './http.ts';
import { openApiRoute } from './openapi.ts';

/** What a fixed path answers: a JSON document (of a media type other than application/json if named), plain text (health checks), or bytes (protobuf). */
export type Fixed = { json: unknown; contentType?: string } | { text: string } | { bytes: Buffer; contentType: string };

/** A request for a resource: which one, where, and which part of it. */
export interface ResourceTarget {
  def: ResourceDef;
  /** The namespace in the path; undefined for cluster-scoped resources and all-namespace lists. */
  namespace?: string;
  name?: string;
  subresource?: string;
}

const HEALTH: Fixed = { text: 'ok' };

/** /api or /apis: aggregated discovery when the client asks for it, else the legacy document. */
const discovery = (core: boolean, legacy: () => unknown) => (_host: string, accept?: string): Fixed =>
  wantsAggregated(accept) ? { json: aggregatedDiscovery(core), contentType: AGGREGATED } : { json: legacy() };

/** Fixed GET paths: path → answer (the host is the address clients reached us on). */
const FIXED: Record<string, (host: string, accept?: string) => Fixed> = {
  '/version': () => ({ json: versionInfo() }),
  '/healthz': () => HEALTH,
  '/livez': () => HEALTH,
  '/readyz': () => HEALTH,
  '/api': (host, accept) => discovery(true, () => apiVersions(host))(host, accept),
  '/apis': discovery(false, apiGroupList),
  '/api/v1': () => ({ json: apiResourceList('', 'v1') }),
};

/** Namespace subresources that share the shape of a namespaced collection path. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Returns the answer of a fixed path (incl. /apis/<group>[/<version>]), or undefined for resource paths. */
export function fixedRoute(path: string, host: string, accept?: string): Fixed | undefined {
  const f = FIXED[path] ?? FIXED[path.replace(/\/+$/, '')];
  if (f) return f(host, accept);
  if (path.startsWith('/openapi/')) return openApiRoute(path, accept);
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?\/?$/.exec(path);
  if (!m) return undefined;
  const [, group, version] = m;
  if (version === undefined) {
    const doc = apiGroupDoc(group);
    if (!doc) throw notServed();
    return { json: doc };
  }
  if (!servesGroupVersion(group, version)) throw notServed();
  return { json: apiResourceList(group, version) };
}

/** Returns a path segment percent-decoded; 400 for a malformed escape (`%zz`), which would otherwise throw. */
function decodeSegment(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw new StatusError(400, 'BadRequest', `invalid escape in the request path: ${JSON.stringify(seg)}`);
  }
}

/** Returns the resource a path names; 404 (as upstream) for anything not served. */
export function resourceRoute(path: string): ResourceTarget {
  const segs = path.split('/').filter(Boolean).map(decodeSegment);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) [group, version, rest] = ['', segs[1], segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
  else throw notServed();
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2]))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  const def = servedResource(group, version, plural);
  if (!def || extra.length) throw notServed();
  // A namespaced object is only reachable under its namespace; a cluster-scoped one never is.
  if (namespace !== undefined && !def.namespaced) throw notServed();
  if (namespace === undefined && def.namespaced && name !== undefined) throw notServed();
  if (subresource !== undefined && !subresourcesOf(def).some((s) => s.name === subresource)) throw notServed();
  return { def, namespace, name, subresource };
}
