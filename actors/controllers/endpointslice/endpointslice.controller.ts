// The EndpointSlice controller: for each Service with a selector, EndpointSlices of at most 100
// endpoints listing its pods (ready, serving, terminating), labelled with the service's name and
// managed-by endpointslice-controller.k8s.io, owned by the service (the garbage collector removes
// them with it) — upstream pkg/controller/endpointslice. Keyed by service.
import { LABEL_MANAGED_BY, type EndpointSlice } from '../../../api/kinds/endpointslice.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { Service } from '../../../api/kinds/service.ts';
import { NAMESPACE_INDEX, namespaceIndexers, SERVICE_NAME_INDEX } from '../../../bus/indexers.ts';
import { CacheFence } from '../shared/cache-fence.ts';
import { podsByService, selects } from '../shared/pod-services.ts';
import { TriggerTimeTracker } from '../shared/trigger-time.ts';
import { defineController } from '../../lib/controller.ts';
import { addressTypesOf, CONTROLLER_NAME, desiredFromPods, MAX_ENDPOINTS_PER_SLICE, newServiceSlice, sliceLabels, ZONE_LABEL } from './endpointslice.reconcile.ts';
import { managedSlicesWatch } from './slice-ownership.ts';
import { writeSlices } from './slices.write.ts';
import { planSlices } from './slices.plan.ts';

export interface EndpointSliceControllerInput {
  /** Upstream --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
}

interface SliceState {
  triggers: TriggerTimeTracker;
  fence: CacheFence;
}

/** How soon to look again when a pod's node is not in the cache yet, or the slice cache lags our writes. */
const RETRY_MS = 1_000;

/** The EndpointSlice controller's actor definition. */
export const endpointSliceController = defineController<EndpointSliceControllerInput | undefined, SliceState>({
  name: 'endpointslice',
  // Upstream --concurrent-service-endpoint-syncs.
  workers: 5,
  watches: [
    { resource: 'services', indexers: namespaceIndexers },
    podsByService,
    // A slice of ours changed or went (by hand, or the cache caught up): look at its service again.
    managedSlicesWatch(CONTROLLER_NAME),
    // Nodes are read for their zone; a pod on a node not yet seen is retried.
    { resource: 'nodes', keys: () => [] },
  ],
  init: () => ({ triggers: new TriggerTimeTracker(), fence: new CacheFence() }),
  async reconcile(key, ctx, input) {
    const { triggers, fence } = ctx.state;
    const [namespace] = key.split('/');
    const svc = ctx.cache<Service>('services').get(key);
    if (!svc) {
      // Its slices are owned by it: the garbage collector removes them.
      triggers.delete(key);
      fence.forget(key);
      return;
    }
    // ExternalName services get no slices; those without a selector get theirs by mirroring their Endpoints.
    if (svc.spec.type === 'ExternalName' || !svc.spec.selector) return;
    const slices = ctx.cache<EndpointSlice>('endpointslices');
    if (!fence.caughtUp(key, { endpointslices: slices })) return { requeueAfterMs: RETRY_MS };
    const selector = svc.spec.selector;
    const pods = ctx.cache<Pod>('pods').byIndex(NAMESPACE_INDEX, namespace).filter((p) => selects(selector, p.metadata.labels));
    const nodes = ctx.cache('nodes');
    const { groups, missingNodes } = desiredFromPods(svc, pods, (n) => {
      const node = nodes.get(n);
      return node ? node.metadata.labels?.[ZONE_LABEL] : null;
    });
    const existing = slices.byIndex(SERVICE_NAME_INDEX, key).filter((s) => s.metadata.labels?.[LABEL_MANAGED_BY] === CONTROLLER_NAME);
    const labels = sliceLabels(svc, CONTROLLER_NAME);
    const owner = {
      addressTypes: addressTypesOf(svc),
      labels,
      placeholder: true,
      triggerTime: triggers.compute(key, svc, pods),
      newSlice: (addressType: string, ports: EndpointSlice['ports']) => newServiceSlice(svc, labels, addressType, ports ?? []),
    };
    const plan = planSlices(owner, existing, groups, input?.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE);
    await writeSlices(ctx, key, svc, plan, fence);
    if (missingNodes) return { requeueAfterMs: RETRY_MS };
  },
});
