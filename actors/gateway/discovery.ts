// Discovery as upstream serves it (legacy format): /api, /apis, /api/v1, /apis/<group>/<version>,
// built from the resource table plus the facts below (verbs, categories, subresources).
import { servedResources } from '../../api/resources.ts';
import type { ResourceDef } from '../../api/resource.ts';
import { metricsApiGroup } from './metrics-api.ts';

/** Verbs of an ordinary resource, as upstream lists them. */
const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** Verbs of a status or scale subresource. */
const SUB = ['get', 'patch', 'update'];

/** Resources that upstream puts in the `all` category (what `kubectl get all` shows). */
const IN_ALL = new Set(['pods', 'services', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'replicationcontrollers', 'cronjobs', 'horizontalpodautoscalers']);

/** Resources with a scale subresource (autoscaling/v1 Scale). */
export const SCALABLE = new Set(['deployments', 'replicasets', 'statefulsets', 'replicationcontrollers']);

/** Returns the categories of a resource, if any. */
export const categoriesOf = (d: ResourceDef) => (d.categories?.length ? d.categories : IN_ALL.has(d.plural) ? ['all'] : undefined);

/** Returns the verbs of a resource. */
export const verbsOf = (d: ResourceDef) => (d.createOnly ? ['create'] : CRUD);

/** Returns the subresources served for a resource: name → verbs (and the Scale kind for scale). */
export function subresourcesOf(d: ResourceDef): Array<{ name: string; verbs: string[]; kind: string; group?: string; version?: string }> {
  const out: Array<{ name: string; verbs: string[]; kind: string; group?: string; version?: string }> = [];
  if (d.hasStatus) out.push({ name: 'status', verbs: SUB, kind: d.kind });
  if (d.custom ? d.scale : SCALABLE.has(d.plural)) out.push({ name: 'scale', verbs: SUB, kind: 'Scale', group: 'autoscaling', version: 'v1' });
  if (d.custom) return out;
  if (d.plural === 'pods') out.push({ name: 'binding', verbs: ['create'], kind: 'Binding' });
  if (d.plural === 'pods') out.push({ name: 'log', verbs: ['get'], kind: 'Pod' }, { name: 'exec', verbs: ['create', 'get'], kind: 'PodExecOptions' });
  if (d.plural === 'pods') out.push({ name: 'attach', verbs: ['create', 'get'], kind: 'PodAttachOptions' });
  if (d.plural === 'pods') out.push({ name: 'portforward', verbs: ['create', 'get'], kind: 'PodPortForwardOptions' });
  if (d.plural === 'pods') out.push({ name: 'eviction', verbs: ['create'], kind: 'Eviction', group: 'policy', version: 'v1' });
  if (d.plural === 'serviceaccounts') out.push({ name: 'token', verbs: ['create'], kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1' });
  return out;
}

/**
 * Upstream's group priorities (kube-apiserver's apiVersionPriorities, GroupPriorityMinimum): /apis lists groups
 * by them, highest first, ties by name; a CRD's group gets 1000 (crdregistration).
 */
const GROUP_PRIORITY: Record<string, number> = {
  '': 18000, apps: 17800, 'events.k8s.io': 17750, 'authentication.k8s.io': 17700, 'authorization.k8s.io': 17600, autoscaling: 17500, batch: 17400,
  'certificates.k8s.io': 17300, 'networking.k8s.io': 17200, policy: 17100, 'rbac.authorization.k8s.io': 17000, 'storage.k8s.io': 16800,
  'apiextensions.k8s.io': 16700, 'admissionregistration.k8s.io': 16700, 'scheduling.k8s.io': 16600, 'coordination.k8s.io': 16500, 'node.k8s.io': 16300,
  'discovery.k8s.io': 16200, 'flowcontrol.apiserver.k8s.io': 16100, 'resource.k8s.io': 15900,
};
const CRD_GROUP_PRIORITY = 1000;

/** Orders by name as upstream's API installer registers a group-version's paths (sorted), which discovery keeps. */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Returns the group/versions served: '' is the core group (v1 at /api/v1); in a group, versions in table order, each version's resources by name. */
export function groups(): Map<string, ResourceDef[]> {
  const m = new Map<string, ResourceDef[]>();
  for (const d of servedResources()) m.set(d.group, [...(m.get(d.group) ?? []), d]);
  for (const [g, defs] of m) {
    const versions = [...new Set(defs.map((d) => d.version))];
    m.set(g, defs.toSorted((a, b) => versions.indexOf(a.version) - versions.indexOf(b.version) || byName(a.plural, b.plural)));
  }
  const priority = (g: string) => GROUP_PRIORITY[g] ?? CRD_GROUP_PRIORITY;
  return new Map([...m].sort(([a], [b]) => priority(b) - priority(a) || byName(a, b)));
}

/** Returns the resource def served at a group/version and plural, if any. */
export function servedResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return servedResources().find((d) => d.group === group && d.version === version && d.plural === plural);
}

/** Returns true when a group/version is served. */
export const servesGroupVersion = (group: string, version: string) => servedResources().some((d) => d.group === group && d.version === version);

/** /api: the core group's versions. */
export const apiVersions = (serverAddress: string) => ({
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
});

/** One APIGroup entry (named groups only). */
function apiGroup(name: string, defs: ResourceDef[]) {
  const versions = [...new Set(defs.map((d) => d.version))].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions, preferredVersion: versions[0] };
}

/** /apis: every named group. */
export function apiGroupList() {
  const out = [...groups()].filter(([g]) => g !== '').map(([g, defs]) => apiGroup(g, defs));
  // metrics.k8s.io, served by the metrics server (metrics-api.ts), last as an aggregated API.
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...out, metricsApiGroup()] };
}

/** /apis/<group>: one group, or undefined. */
export function apiGroupDoc(group: string) {
  const defs = groups().get(group);
  return group && defs ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, defs) } : undefined;
}

/** /api/v1 or /apis/<group>/<version>: the resources and subresources of one group/version. */
export function apiResourceList(group: string, version: string) {
  const defs = servedResources().filter((d) => d.group === group && d.version === version);
  const resources: Array<{ name: string; [field: string]: unknown }> = [];
  for (const d of defs) {
    resources.push({
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: verbsOf(d),
      ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
      ...(categoriesOf(d) ? { categories: categoriesOf(d) } : {}),
    });
    for (const s of subresourcesOf(d))
      resources.push({ name: `${d.plural}/${s.name}`, singularName: '', namespaced: d.namespaced, kind: s.kind, verbs: s.verbs, ...(s.group ? { group: s.group, version: s.version } : {}) });
  }
  resources.sort((a, b) => byName(a.name, b.name));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

/** Go's names for node's platform values. */
const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' };

/** /version: minor "32" (kubectl picks its client version from it), a gitVersion that says kubus. */
export const versionInfo = () => ({
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kubus',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '',
  goVersion: `node${process.versions.node}`,
  compiler: 'kubus',
  platform: `${process.platform}/${GOARCH[process.arch] ?? process.arch}`,
});
