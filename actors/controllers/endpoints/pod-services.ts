// Which services a pod belongs to (upstream endpointsliceutil GetPodServiceMemberships): those of
// its namespace, read through the services informer's namespace index, whose selector matches it.
import type { Pod } from '../../../api/kinds/pod.ts';
import type { Service } from '../../../api/kinds/service.ts';
import type { Lister } from '../../../bus/indexer.ts';
import { NAMESPACE_INDEX } from '../../../bus/indexers.ts';
import { keyOf } from '../../../bus/informer.ts';

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
