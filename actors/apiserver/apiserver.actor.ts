// The API-server actor: binds the machine to `kubus.api.>` (requests go to its `requests` actor while
// serving) and gives it its effects.
import type { PodSecurityConfig } from './admission-podsecurity-config.ts';
import { fromCallback, fromPromise } from 'xstate';
import type { Auditor } from '../../api/audit-event.ts';
import { unavailable } from '../../api/status.ts';
import type { ApiServerStarted } from '../../api/protocol.ts';
import { API_ALL, API_QUEUE, APISERVER_STARTED, APISERVER_STATS, promSubject, unwatchSubject } from '../../bus/subjects.ts';
import { defineActor } from '../lib/actor.ts';
import { serveScrapes } from '../lib/metrics-registry.ts';
import { apiserverMachine, REQUESTS_ACTOR, timingsOf, type ApiRequested, type ApiServerTimings } from './apiserver.machine.ts';
import { isBatchSubject, serveBatch } from './batch.ts';
import { ApiServerMetrics } from './metrics.ts';
import { timedStore } from './store-metrics.ts';
import { ApiServer } from './server.ts';
import type { Store } from './store/store.ts';

export interface ApiServerInput extends Partial<ApiServerTimings> {
  /** The store outlives the actor: a restarted API server finds its data where it was. */
  store: Store;
  /** Instance id (unwatch requests are addressed to it); default: the actor id. Replicas on a shared store need one each. */
  serverId?: string;
  /** The store as `--store` names it, for `kubus status` (default "memory"). */
  storeName?: string;
  /**
   * Admission plugins to skip (upstream's --disable-admission-plugins). Default: ServiceAccount, for a
   * bare API server (tests, benches) has no controller manager to make the `default` ServiceAccount,
   * as upstream's integration framework; the control plane (runtime/control-plane.ts) runs them all.
   */
  disableAdmissionPlugins?: readonly string[];
  /** Audits every request by its policy (`--audit-log`); unset: no audit. */
  audit?: Auditor;
  /** PodSecurity's configuration from the AdmissionConfiguration file (`--admission-control-config-file`). */
  podSecurity?: PodSecurityConfig;
}

/** What a bare API server skips unless told (see ApiServerInput.disableAdmissionPlugins). */
export const BARE_DISABLED_ADMISSION = ['ServiceAccount'];

/**
 * Watch heartbeats on a store several API servers share: a client whose replica died hears none
 * for this long and probes it, so its watches resume on another replica within a few seconds.
 */
export const SHARED_HEARTBEAT_MS = 2_000;

const serverIdOf = (id: string, input: ApiServerInput) => (input.serverId ?? id).replace(/[.*>\s/]/g, '_');

export const apiserverActor = defineActor<ApiServerInput>({
  kind: 'apiserver',
  logic(deps, input) {
    const serverId = serverIdOf(deps.id, input);
    const instance = deps.rng.hex(6);
    const shared = typeof input.store.sync === 'function';
    const heartbeatMs = input.heartbeatMs ?? (shared ? SHARED_HEARTBEAT_MS : timingsOf(input).heartbeatMs);
    // Its metrics answer scrapes from any one replica (the gateway's /metrics), as a load-balanced kube-apiserver's.
    const metricsId = { component: 'apiserver', instance: { server: serverId } };
    const server = new ApiServer({
      store: timedStore(input.store, metricsId),
      bus: deps.bus,
      clock: deps.clock,
      rng: deps.rng,
      log: deps.log,
      serverId,
      instance,
      heartbeatMs,
      storeName: input.storeName,
      auditor: input.audit,
      disabledAdmission: input.disableAdmissionPlugins ?? BARE_DISABLED_ADMISSION,
    });
    server.ctx.podSecurity = input.podSecurity;
    deps.onStop(() => server.close());
    const metrics = new ApiServerMetrics(metricsId, input.store);
    deps.onStop(serveScrapes(deps.bus, promSubject('apiserver'), metricsId, deps.log, API_QUEUE));
    return apiserverMachine.provide({
      delays: { heartbeat: heartbeatMs },
      actions: {
        refuse: (_, { msg, why }) => deps.bus.respond(msg, unavailable(why).status),
        unwatch: (_, { msg }) => server.unwatch(msg),
        stats: (_, { msg }) => deps.bus.respond(msg, server.stats()),
        announce: () => deps.bus.publish(APISERVER_STARTED, { server: serverId, instance, ...(shared ? { shared } : {}) } satisfies ApiServerStarted),
        heartbeat: () => server.ctx.hub.heartbeat(),
        bookmark: () => server.ctx.hub.bookmark(),
        compact: () => server.compact(),
        reportFailure: (_, { error }) => deps.log.error({ err: error }, 'API server failed to start'),
      },
      actors: {
        bootstrap: fromPromise(() => server.bootstrap()),
        // A batch's items are counted one by one, as the requests they would be alone (batch.ts).
        requests: fromCallback<ApiRequested>(({ receive }) =>
          receive(({ msg }) => void (isBatchSubject(msg.subject) ? serveBatch(msg, server, (m, serve) => metrics.track(m, serve)) : metrics.track(msg, () => server.handle(msg)))),
        ),
      },
    });
  },
  bindings: (deps, input) => [
    { subject: API_ALL, queue: API_QUEUE, event: (msg) => ({ type: 'api.requested', msg }), to: REQUESTS_ACTOR },
    { subject: unwatchSubject(serverIdOf(deps.id, input), '*'), event: (msg) => ({ type: 'watch.stop.requested', msg }) },
    { subject: APISERVER_STATS, event: (msg) => ({ type: 'stats.requested', msg }) },
  ],
});
