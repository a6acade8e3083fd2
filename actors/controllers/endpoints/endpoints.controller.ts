// The endpoints controller: for each Service with a selector, an Endpoints object of the same
// name listing its pods' addresses (ready, or not ready), kept current as pods and the service
// change, and deleted with the service (upstream pkg/controller/endpoint). Keyed by service.
//
// Pod events are mapped to the services that select the pod (before or after) through a
// per-namespace selector cache, as upstream; Endpoints events only matter when one is deleted
// (so Endpoints written by hand for selector-less services are left alone).
import type { Endpoints } from '../../../api/kinds/endpoints.ts';
import type { Pod } from '../../../api/kinds/pod.ts';
import type { Service } from '../../../api/kinds/service.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { StatusError } from '../../../api/status.ts';
import { keyOf, type Informer, type InformerHandlers } from '../../../bus/informer.ts';
import { defineController, type ControllerContext } from '../../lib/controller.ts';
import { NamespaceIndex } from '../shared/namespace-index.ts';
import { namespaceTerminating } from '../shared/namespace-terminating.ts';
import { desiredSubsets, planEndpoints } from './endpoints.reconcile.ts';
import { ServiceSelectors } from './pod-services.ts';
import { TriggerTimeTracker } from './trigger-time.ts';

/** Endpoints kept by leader election have no service and must not be deleted. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** How soon to look again when the Endpoints cache still shows what we have just overwritten. */
const STALE_CACHE_RETRY_MS = 100;

interface EndpointsState {
  pods: NamespaceIndex<Pod>;
  triggers: TriggerTimeTracker;
  /** Service key → the resourceVersion of Endpoints we replaced (the cache may still show it). */
  stale: Map<string, string>;
}

const states = new WeakMap<ControllerContext, EndpointsState>();

/** Hooks pods, services and endpoints events to the queue and indexes pods by namespace. */
function start(ctx: ControllerContext): EndpointsState {
  // The index must see a pod event before the hooks below queue work: a queued key may be
  // reconciled at once, inside the informer's dispatch.
  const index = new NamespaceIndex(ctx.cache<Pod>('pods'));
  ctx.deps.onStop(() => index.detach());
  const selectors = new ServiceSelectors();
  const services = ctx.cache<Service>('services');
  const pods = ctx.cache<Pod>('pods');
  const endpoints = ctx.cache<Endpoints>('endpoints');
  const queueAll = (keys: Iterable<string>) => {
    for (const k of keys) ctx.queue.add(k);
  };
  const hook = <T extends KubeObject>(inf: Informer<T>, h: InformerHandlers<T>) => {
    inf.on(h);
    ctx.deps.onStop(() => inf.off(h));
  };
  for (const s of services.list()) selectors.set(s);
  hook(services, { add: (s) => selectors.set(s), update: (_, s) => selectors.set(s), delete: (s) => selectors.delete(s) });
  hook(pods, { add: (p) => queueAll(selectors.servicesOf(p)), update: (o, p) => queueAll(selectors.servicesToUpdate(o, p)), delete: (p) => queueAll(selectors.servicesOf(p)) });
  hook(endpoints, { delete: (ep) => ctx.queue.add(keyOf(ep)) });
  // Leftover Endpoints whose service went while we were away (upstream checkLeftoverEndpoints).
  for (const ep of endpoints.list()) if (!(LEADER_ANNOTATION in (ep.metadata.annotations ?? {}))) ctx.queue.add(keyOf(ep));
  return { pods: index, triggers: new TriggerTimeTracker(), stale: new Map() };
}

const selects = (sel: Record<string, string>, labels: Record<string, string> | undefined) => Object.entries(sel).every(([k, v]) => labels?.[k] === v);

/** The endpoints controller's actor definition (input: none). */
export const endpointsController = defineController({
  name: 'endpoints',
  watches: [{ resource: 'services' }, { resource: 'pods', keys: () => [] }, { resource: 'endpoints', keys: () => [] }],
  started(ctx) {
    states.set(ctx, start(ctx));
  },
  async reconcile(key, ctx) {
    const st = states.get(ctx);
    if (!st) throw new Error('endpoints controller not started');
    const { client, log } = ctx.deps;
    const [namespace, name] = key.split('/');
    const svc = ctx.cache<Service>('services').get(key);
    if (!svc) {
      // The service is gone: so are its Endpoints.
      await client.delete('endpoints', name, { namespace }).catch((err: unknown) => {
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      });
      st.triggers.delete(key);
      st.stale.delete(key);
      return;
    }
    // ExternalName services and services without a selector get no endpoints from us.
    if (svc.spec.type === 'ExternalName' || !svc.spec.selector) return;
    const selector = svc.spec.selector;
    const pods = st.pods.list(namespace).filter((p) => selects(selector, p.metadata.labels));
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
      if (plan.type === 'create' && namespaceTerminating(err)) {
        log.debug({ service: key }, 'namespace is terminating; Endpoints not created');
        return;
      }
      const what = plan.type === 'create' ? ['FailedToCreateEndpoint', `Failed to create endpoint for service ${key}`] : ['FailedToUpdateEndpoint', `Failed to update endpoint ${key}`];
      ctx.events.record(ep, 'Warning', what[0], `${what[1]}: ${(err as Error).message}`);
      throw err;
    }
  },
});
