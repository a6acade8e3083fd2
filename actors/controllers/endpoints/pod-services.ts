// Which services a pod change concerns (upstream endpointsliceutil GetServicesToUpdateOnPodChange
// with its per-namespace service selector cache): only those whose selector matches the pod
// before or after, and only when the change can move an endpoint.
import type { Pod } from '../../../api/kinds/pod.ts';
import { isPodReady } from '../../../api/kinds/pod-helpers.ts';
import type { Service } from '../../../api/kinds/service.ts';
import { keyOf } from '../../../bus/informer.ts';

type Selector = Record<string, string>;

const matches = (sel: Selector, labels: Record<string, string> | undefined) => Object.entries(sel).every(([k, v]) => labels?.[k] === v);
const ips = (p: Pod) => (p.status?.podIPs ?? []).map((x) => x.ip).join(',') + `|${p.status?.podIP ?? ''}`;
const sameLabels = (a: Pod, b: Pod) => JSON.stringify(Object.entries(a.metadata.labels ?? {}).sort()) === JSON.stringify(Object.entries(b.metadata.labels ?? {}).sort());

/**
 * Returns [podChanged, labelsChanged] (upstream podEndpointsChanged): whether the pod's endpoint
 * may have moved (deletion, readiness, IPs, phase), and whether its service memberships may have.
 */
export function podEndpointsChanged(old: Pod, now: Pod): [boolean, boolean] {
  const labelsChanged = !sameLabels(old, now) || old.spec.hostname !== now.spec.hostname || old.spec.subdomain !== now.spec.subdomain;
  const podChanged =
    old.metadata.deletionTimestamp !== now.metadata.deletionTimestamp ||
    isPodReady(old) !== isPodReady(now) ||
    ips(old) !== ips(now) ||
    old.status?.phase !== now.status?.phase;
  return [podChanged, labelsChanged];
}

/** The selectors of the services with one, by namespace. */
export class ServiceSelectors {
  private readonly byNamespace = new Map<string, Map<string, Selector>>();

  /** Records a service's selector (services without one select no pods). */
  set(svc: Service): void {
    const ns = svc.metadata.namespace ?? '';
    let m = this.byNamespace.get(ns);
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    if (svc.spec?.selector) m.set(keyOf(svc), svc.spec.selector);
    else m.delete(keyOf(svc));
  }

  /** Forgets a deleted service. */
  delete(svc: Service): void {
    this.byNamespace.get(svc.metadata.namespace ?? '')?.delete(keyOf(svc));
  }

  /** Returns the keys of the services in the pod's namespace that select it. */
  servicesOf(pod: Pod): Set<string> {
    const out = new Set<string>();
    for (const [key, sel] of this.byNamespace.get(pod.metadata.namespace ?? '') ?? []) if (matches(sel, pod.metadata.labels)) out.add(key);
    return out;
  }

  /** Returns the services to sync after a pod update: none if nothing relevant changed; on a label change only those whose membership moved, unless the pod changed too. */
  servicesToUpdate(old: Pod, now: Pod): Set<string> {
    if (old.metadata.resourceVersion === now.metadata.resourceVersion) return new Set();
    const [podChanged, labelsChanged] = podEndpointsChanged(old, now);
    if (!podChanged && !labelsChanged) return new Set();
    const current = this.servicesOf(now);
    if (!labelsChanged) return current;
    const before = this.servicesOf(old);
    if (podChanged) return new Set([...before, ...current]);
    return new Set([...before, ...current].filter((k) => before.has(k) !== current.has(k)));
  }
}
