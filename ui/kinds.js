// The kinds the dashboard shows, as a table: where each lives in the API, and the few facts shown per row.

/** kind → { group/version path prefix, plural, namespaced, scalable, restartable } */
export const KINDS = {
  Node: { prefix: '/api/v1', plural: 'nodes', namespaced: false },
  Pod: { prefix: '/api/v1', plural: 'pods', namespaced: true },
  Service: { prefix: '/api/v1', plural: 'services', namespaced: true },
  Event: { prefix: '/api/v1', plural: 'events', namespaced: true },
  Deployment: { prefix: '/apis/apps/v1', plural: 'deployments', namespaced: true, scalable: true, restartable: true },
  ReplicaSet: { prefix: '/apis/apps/v1', plural: 'replicasets', namespaced: true, scalable: true },
  StatefulSet: { prefix: '/apis/apps/v1', plural: 'statefulsets', namespaced: true, scalable: true, restartable: true },
  DaemonSet: { prefix: '/apis/apps/v1', plural: 'daemonsets', namespaced: true, restartable: true },
  Job: { prefix: '/apis/batch/v1', plural: 'jobs', namespaced: true },
};

/** The workload kinds, in the order the overview lists them. */
export const WORKLOADS = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'];

/** Returns the collection path of a kind (in `namespace`, or across all namespaces when unset). */
export function collectionPath(kind, namespace) {
  const k = KINDS[kind];
  return namespace && k.namespaced ? `${k.prefix}/namespaces/${encodeURIComponent(namespace)}/${k.plural}` : `${k.prefix}/${k.plural}`;
}

/** Returns the path of one object. */
export const objectPath = (kind, namespace, name) => `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`;

/** Returns the dashboard's address of an object page. */
export const pageOf = (kind, namespace, name) => `#/o/${kind}/${namespace || '_'}/${encodeURIComponent(name)}`;

/** Returns a short age like kubectl's (`45s`, `3m`, `2h`, `4d`) of an RFC 3339 time. */
export function age(time, now = Date.now()) {
  if (!time) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(time)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Returns a condition's status by type ('True', 'False', 'Unknown') or ''. */
export const condition = (o, type) => (o.status?.conditions ?? []).find((c) => c.type === type)?.status ?? '';

/** Returns the STATUS column kubectl prints for a pod: Terminating, a container's waiting/terminated reason, or the phase. */
export function podStatus(p) {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  for (const c of p.status?.containerStatuses ?? []) {
    if (c.state?.waiting?.reason) return c.state.waiting.reason;
    if (c.state?.terminated?.reason && p.status?.phase === 'Running') return c.state.terminated.reason;
  }
  return p.status?.phase ?? 'Pending';
}

/** Returns `ready/total` containers of a pod. */
export function podReady(p) {
  const cs = p.status?.containerStatuses ?? [];
  return `${cs.filter((c) => c.ready).length}/${p.spec?.containers?.length ?? cs.length}`;
}

/** Returns the summed restarts of a pod's containers. */
export const restarts = (p) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);

/** Returns the READY column of a workload: ready/desired replicas (jobs: succeeded/completions). */
export function workloadReady(kind, o) {
  const s = o.status ?? {};
  if (kind === 'DaemonSet') return `${s.numberReady ?? 0}/${s.desiredNumberScheduled ?? 0}`;
  if (kind === 'Job') return `${s.succeeded ?? 0}/${o.spec?.completions ?? 1}`;
  return `${s.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`;
}

/** Sorts objects by namespace, then name. */
export const byName = (a, b) =>
  (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name);
