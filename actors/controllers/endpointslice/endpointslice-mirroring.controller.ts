// The EndpointSlice mirroring controller: Endpoints of a Service without a selector (written by
// hand or by another component) mirrored into EndpointSlices managed-by
// endpointslicemirroring-controller.k8s.io, owned by the Endpoints; removed when the Endpoints
// go, are marked skip-mirror, or the Service gets a selector (upstream
// pkg/controller/endpointslicemirroring). Keyed by the Endpoints' (= Service's) key.
import { LABEL_MANAGED_BY, type EndpointSlice } from '../../../api/kinds/endpointslice.ts';
import type { Endpoints } from '../../../api/kinds/endpoints.ts';
import type { Service } from '../../../api/kinds/service.ts';
import { SERVICE_NAME_INDEX } from '../../../bus/indexers.ts';
import { CacheFence } from '../shared/cache-fence.ts';
import { defineController } from '../../lib/controller.ts';
import { desiredFromEndpoints, endpointsTriggerTime, MAX_ENDPOINTS_PER_SUBSET, MIRRORING_CONTROLLER_NAME, mirroredLabels, newMirroredSlice, shouldMirror } from './mirroring.reconcile.ts';
import { managedSlicesWatch } from './slice-ownership.ts';
import { planSlices, type SlicePlan } from './slices.plan.ts';
import { writeSlices } from './slices.write.ts';

/** The mirroring controller's actor definition (input: none). */
export const endpointSliceMirroringController = defineController<void, CacheFence>({
  name: 'endpointslicemirroring',
  // Upstream --mirroring-concurrent-service-endpoint-syncs.
  workers: 5,
  watches: [
    { resource: 'endpoints' },
    { resource: 'services' },
    managedSlicesWatch(MIRRORING_CONTROLLER_NAME),
  ],
  init: () => new CacheFence(),
  async reconcile(key, ctx) {
    const fence = ctx.state;
    const slices = ctx.cache<EndpointSlice>('endpointslices');
    if (!fence.caughtUp(key, { endpointslices: slices })) return { requeueAfterMs: 1_000 };
    const mirrored = slices.byIndex(SERVICE_NAME_INDEX, key).filter((s) => s.metadata.labels?.[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER_NAME);
    const svc = ctx.cache<Service>('services').get(key);
    const ep = ctx.cache<Endpoints>('endpoints').get(key);
    // No service, a service with a selector (its own controller lists it), no Endpoints or ones not to mirror: no mirrored slices.
    if (!svc || svc.spec.selector || !shouldMirror(ep)) {
      if (!mirrored.length) return;
      const plan: SlicePlan = { create: [], update: [], delete: mirrored };
      await writeSlices(ctx, key, ep ?? svc ?? (mirrored[0] as never), plan, fence);
      return;
    }
    const labels = mirroredLabels(ep);
    const owner = {
      addressTypes: ['IPv4', 'IPv6'],
      labels,
      placeholder: false,
      triggerTime: endpointsTriggerTime(ep),
      newSlice: (addressType: string, ports: EndpointSlice['ports']) => newMirroredSlice(ep, labels, addressType, ports ?? []),
    };
    await writeSlices(ctx, key, ep, planSlices(owner, mirrored, desiredFromEndpoints(ep), MAX_ENDPOINTS_PER_SUBSET), fence);
  },
});
