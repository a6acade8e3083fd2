// The endpoints controller: for each Service with a selector, an Endpoints object of the same
// name listing its pods' addresses (ready, or not ready), kept current as pods and the service
// change, and deleted with the service (upstream pkg/controller/endpoint). Keyed by service.
//
// A pod event is mapped, when it arrives, to the services of its namespace that select it (the
// pod before and after an update); an Endpoints event only matters when one is deleted (so
// Endpoints written by hand for selector-less services are left alone).
import type { Endpoints } from '../../../api/kinds/endpoints.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { Service } from '../../../api/kinds/service.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { isNamespaceTerminating, isNotFound } from '../../../api/status.ts';
import { NAMESPACE_INDEX, namespaceIndexers } from '../../../bus/indexers.ts';
import { keyOf } from '../../../bus/informer.ts';
import { defineController } from '../../lib/controller.ts';
import { desiredSubsets, planEndpoints } from './endpoints.reconcile.ts';
import { podsByService, selects } from '../shared/pod-services.ts';
import { TriggerTimeTracker } from '../shared/trigger-time.ts';

/** Endpoints kept by leader election have no service and must not be deleted. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** How soon to look again when the Endpoints cache still shows what we have just overwritten. */
const STALE_CACHE_RETRY_MS = 100;
/** Upstream --concurrent-endpoint-syncs. */
const WORKERS = 5;

/** What the controller remembers between reconciles, per service key (a key is never in two workers at once). */
interface EndpointsState {
  triggers: TriggerTimeTracker;
  /** Service key → the resourceVersion of Endpoints we replaced (the cache may still show it). */
  stale: Map<string, string>;
}

/** The endpoints controller's actor definition (input: none). */
export const endpointsController = defineController<void, EndpointsState>({
  name: 'endpoints',
  workers: WORKERS,
  watches: [
    { resource: 'services', indexers: namespaceIndexers },
    podsByService,
    // Gone from the cache: it was deleted (upstream onEndpointsDelete); adds and updates are ours or hand-made.
    { resource: 'endpoints', keys: (ep, ctx) => (ctx.cache('endpoints').get(keyOf(ep)) ? [] : [keyOf(ep)]) },
  ],
  init: () => ({ triggers: new TriggerTimeTracker(), stale: new Map() }),
  started(ctx) {
    // Leftover Endpoints whose service went while we were away (upstream checkLeftoverEndpoints, once at start).
    for (const ep of ctx.cache('endpoints').list()) if (!(LEADER_ANNOTATION in (ep.metadata.annotations ?? {}))) ctx.queue.add(keyOf(ep));
  },
  async reconcile(key, ctx) {
    const st = ctx.state;
    const { client, log } = ctx.deps;
    const [namespace, name] = key.split('/');
    const svc = ctx.cache<Service>('services').get(key);
    if (!svc) {
      // The service is gone: so are its Endpoints.
      await client.delete('endpoints', name, { namespace }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      st.triggers.delete(key);
      st.stale.delete(key);
      return;
    }
    // ExternalName services and services without a selector get no endpoints from us.
    if (svc.spec.type === 'ExternalName' || !svc.spec.selector) return;
    const selector = svc.spec.selector;
    const pods = ctx.cache<Pod>('pods').byIndex(NAMESPACE_INDEX, namespace).filter((p) => selects(selector, p.metadata.labels));
    const triggerTime = st.triggers.compute(key, svc, pods);
    const { subsets, ready, notReady } = desiredSubsets(svc, pods);
    const current = ctx.cache<Endpoints>('endpoints').get(key);
    if (current && st.stale.get(key) === current.metadata.resourceVersion) return { requeueAfterMs: STALE_CACHE_RETRY_MS };
    const plan = planEndpoints(svc, current, subsets, triggerTime);
    if (plan.type === 'none') return;
    log.debug({ service: key, ready, notReady }, 'update endpoints');
    const ep = plan.endpoints as KubeObject;
    try {
      if (plan.type === 'create') await client.create('endpoints', ep);
      else {
        const written = await client.update('endpoints', ep);
        if (written.metadata.resourceVersion !== current!.metadata.resourceVersion) st.stale.set(key, current!.metadata.resourceVersion!);
      }
    } catch (err) {
      // Nothing can be created in a terminating namespace: drop the work.
      if (plan.type === 'create' && isNamespaceTerminating(err)) {
        log.debug({ service: key }, 'namespace is terminating; Endpoints not created');
        return;
      }
      const what = plan.type === 'create' ? ['FailedToCreateEndpoint', `Failed to create endpoint for service ${key}`] : ['FailedToUpdateEndpoint', `Failed to update endpoint ${key}`];
      ctx.events.record(ep, 'Warning', what[0], `${what[1]}: ${(err as Error).message}`);
      throw err;
    }
  },
});
