// Endpoints → the EndpointSlices the mirroring controller makes of them, for tests of slice
// consumers (kube-proxy, DNS) written with Endpoints as their data.
import type { EndpointSlice } from '../../api/kinds/endpointslice.ts';
import type { Endpoints } from '../../api/kinds/endpoints.ts';
import { desiredFromEndpoints, mirroredLabels, newMirroredSlice } from '../../actors/controllers/endpointslice/mirroring.reconcile.ts';

/** Returns the mirrored slices of these Endpoints, one per address family and port set, named `<name>-<i>`. */
export function slicesOf(ep: Endpoints): EndpointSlice[] {
  return [...desiredFromEndpoints(ep)].map(([key, g], i) => {
    const s = newMirroredSlice(ep, mirroredLabels(ep), key.slice(0, key.indexOf('|')), g.ports);
    return { ...s, metadata: { ...s.metadata, name: `${ep.metadata.name}-${i}` }, endpoints: g.endpoints };
  });
}
