// Aggregated discovery (apidiscovery.k8s.io/v2): /api and /apis in one answer each, when the
// client's Accept asks for it (kubectl does first); from the same facts as the legacy format.
import type { ResourceDef } from '../../api/resource.ts';
import { categoriesOf, groups, subresourcesOf, verbsOf } from './discovery.ts';
import { metricsAggregatedGroup } from './metrics-api.ts';

/** The media type a client names to get aggregated discovery, and that the answer carries. */
export const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Returns true when an Accept header asks for apidiscovery.k8s.io/v2 (v2beta1 alone is answered in the legacy format). */
export function wantsAggregated(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const params = new Set(part.split(';').map((p) => p.trim().replace(/\s+/g, '')));
    return params.has('g=apidiscovery.k8s.io') && params.has('v=v2') && params.has('as=APIGroupDiscoveryList');
  });
}

/** One resource as APIResourceDiscovery. */
function resource(d: ResourceDef) {
  const categories = categoriesOf(d);
  return {
    resource: d.plural,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: verbsOf(d),
    ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
    ...(categories ? { categories } : {}),
    ...(subresourcesOf(d).length
      ? {
          // By name, as upstream's paths are registered (deployments/scale before deployments/status).
          subresources: subresourcesOf(d).toSorted((a, b) => (a.name < b.name ? -1 : 1)).map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group ?? d.group, version: s.version ?? d.version, kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

/** One group as APIGroupDiscovery, versions in order of preference. */
function group(name: string, defs: ResourceDef[]) {
  const versions = [...new Set(defs.map((d) => d.version))].map((version) => ({
    version,
    resources: defs.filter((d) => d.version === version).map(resource),
    freshness: 'Current',
  }));
  return { metadata: { name, creationTimestamp: null }, versions };
}

/** /api (core: true) or /apis (the named groups) as APIGroupDiscoveryList. */
export function aggregatedDiscovery(core: boolean) {
  const items: unknown[] = [...groups()].filter(([g]) => (g === '') === core).map(([g, defs]) => group(g, defs));
  if (!core) items.push(metricsAggregatedGroup());
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}
