// Which services a pod change concerns (upstream endpointsliceutil GetPodServiceMemberships and
// GetServicesToUpdateOnPodChange): those of its namespace, read through the services informer's
// namespace index, whose selector matches the pod; on an update only when an endpoint may move.
import type { Pod } from '../../../api/kinds/pod.ts';
import { isPodReady } from '../../../api/kinds/pod-helpers.ts';
import type { Service } from '../../../api/kinds/service.ts';
import type { Lister } from '../../../bus/indexer.ts';
import { sameLabels } from '../../../api/selectors.ts';
import { keyOf } from '../../../bus/informer.ts';
import { NAMESPACE_INDEX, namespaceIndexers } from '../../../bus/indexers.ts';
import type { WatchSpec } from '../../lib/controller.ts';

/** Returns whether a service's selector (a plain label map) selects these labels. */
export const selects = (sel: Record<string, string>, labels: Record<string, string> | undefined) => Object.entries(sel).every(([k, v]) => labels?.[k] === v);

/** Returns the keys of the services in the pod's namespace whose selector matches it (services without a selector select nothing). */
export function servicesOf(pod: Pod, services: Lister<Service>): string[] {
  const out: string[] = [];
  for (const svc of services.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')) {
    const sel = svc.spec?.selector;
    if (sel && selects(sel, pod.metadata.labels)) out.push(keyOf(svc));
  }
  return out;
}

const NO_IPS: ReadonlyArray<{ ip?: string }> = [];

/**
 * Whether two copies of a pod have the same podIP and podIPs, compared in place: this runs for every
 * pod update in two controllers (endpoints, endpointslice), and joining each copy's IPs into a
 * string was ~30 MB of garbage per 9,000 pod starts.
 */
function sameIPs(a: Pod, b: Pod): boolean {
  if ((a.status?.podIP ?? '') !== (b.status?.podIP ?? '')) return false;
  const x = a.status?.podIPs ?? NO_IPS;
  const y = b.status?.podIPs ?? NO_IPS;
  if (x === y) return true;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if ((x[i].ip ?? '') !== (y[i].ip ?? '')) return false;
  return true;
}

/**
 * Returns [podChanged, labelsChanged] (upstream podEndpointsChanged): whether the pod's endpoint
 * may have moved (deletion, readiness, IPs, phase), and whether its service memberships may have.
 */
export function podEndpointsChanged(old: Pod, now: Pod): [boolean, boolean] {
  const labelsChanged = !sameLabels(old.metadata.labels, now.metadata.labels) || old.spec.hostname !== now.spec.hostname || old.spec.subdomain !== now.spec.subdomain;
  const podChanged =
    old.metadata.deletionTimestamp !== now.metadata.deletionTimestamp ||
    isPodReady(old) !== isPodReady(now) ||
    !sameIPs(old, now) ||
    old.status?.phase !== now.status?.phase;
  return [podChanged, labelsChanged];
}

/** Returns the services to sync after a pod update: none if nothing an endpoint shows changed; on a label change only those whose membership moved, unless the pod changed too. */
export function servicesToUpdate(old: Pod, now: Pod, services: Lister<Service>): string[] {
  if (old.metadata.resourceVersion === now.metadata.resourceVersion) return [];
  const [podChanged, labelsChanged] = podEndpointsChanged(old, now);
  if (!podChanged && !labelsChanged) return [];
  const current = servicesOf(now, services);
  if (!labelsChanged) return current;
  const before = servicesOf(old, services);
  if (podChanged) return [...new Set([...current, ...before])];
  return [...current.filter((k) => !before.includes(k)), ...before.filter((k) => !current.includes(k))];
}

/** The pods watch of a controller keyed by service (endpoints, endpointslice): a pod's change is work for the services that select it. */
export const podsByService: WatchSpec<any> = {
  resource: 'pods',
  indexers: namespaceIndexers,
  keys: (pod, ctx) => servicesOf(pod as Pod, ctx.cache<Service>('services').lister()),
  updateKeys: (old, pod, ctx) => servicesToUpdate(old as Pod, pod as Pod, ctx.cache<Service>('services').lister()),
};
