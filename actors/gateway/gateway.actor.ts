// The HTTP gateway actor: serves the Kubernetes REST API on an HTTP address and turns each call
// into a bus request through the process's ApiClient. Stateless: any number may run. One that
// advertises itself is listed in the `kubernetes` Service's endpoints (kubernetes-endpoints.ts).
import { fromPromise } from 'xstate';
import type { ApiEndpoint } from '../../api/kubernetes-service.ts';
import { defineActor } from '../lib/actor.ts';
import { followCustomResources } from '../lib/custom-resources.ts';
import { hostIPv4 } from '../lib/host-address.ts';
import { gatewayMachine, type AnnounceTimings } from './gateway.machine.ts';
import { announceGateway, leaveGateway } from './kubernetes-endpoints.ts';
import { gatewayAuthenticator } from './authn.ts';
import type { Auditor } from '../../api/audit-event.ts';
import { close, createGatewayServer, hostOfAddress, isLoopbackHost, listen, type GatewayTlsOptions } from './server.ts';
import type { ClusterLogSource } from './ui-logs.ts';

export interface GatewayInput extends Partial<AnnounceTimings> {
  /** HOST:PORT to listen on; port 0 picks a free one (the URL is in the snapshot's context). */
  address: string;
  /** Listen on any free port of the host when the asked one is in use (what `kubus up` wants). */
  anyPortIfTaken?: boolean;
  /** Announce this gateway as an endpoint of the `kubernetes` Service (what the runtime's gateways do). */
  advertise?: boolean;
  /** The address to announce (default: the one listened on; the host's IPv4 when that is 0.0.0.0 or ::). */
  advertiseIP?: string;
  /** Serve HTTPS with these PEMs and authenticate every caller (client certificate or bearer token); unset: plain HTTP, every caller the trusted admin (loopback addresses only). */
  tls?: GatewayTlsOptions;
  /** Audits HTTP requests (`--audit-log`): the process's auditor, shared with an API server in the same process. */
  audit?: Auditor;
  /** The process's reader of the cluster log stream, for the dashboard's /ui/api/logs; unset: none served. */
  clusterLogs?: ClusterLogSource;
}

export const gatewayActor = defineActor<GatewayInput>({
  kind: 'gateway',
  logic(deps, input) {
    const authenticate = input.tls ? gatewayAuthenticator(deps.client, deps.clock) : undefined;
    const server = createGatewayServer({ client: deps.client, clock: deps.clock, log: deps.log, authenticate, auditor: input.audit, clusterLogs: input.clusterLogs }, undefined, input.tls);
    if (!input.tls) deps.log.warn({ address: input.address }, 'the gateway serves plain HTTP without authentication: every caller acts as the trusted admin');
    // Without authentication every caller is the admin: only callers on this machine may reach it.
    const insecureElsewhere = !input.tls && !isLoopbackHost(hostOfAddress(input.address));
    deps.onStop(() => close(server));
    // Custom resources are served from the CRDs the gateway sees, wherever the API server runs.
    followCustomResources(deps.informers, deps.log);
    let announced: ApiEndpoint | undefined;
    let stopping = false;
    // An announcement still in flight when the gateway stops would renew the Lease after it was dropped.
    let inflight: Promise<unknown> = Promise.resolve();
    /** Returns where this gateway is reached, from the URL it listens on. */
    const selfOf = (url: string): ApiEndpoint => {
      const u = new URL(url);
      const host = u.hostname.replace(/^\[|\]$/g, '');
      return { ip: input.advertiseIP ?? (host === '0.0.0.0' || host === '::' ? hostIPv4() : host), port: Number(u.port) };
    };
    return gatewayMachine.provide({
      actors: {
        listen: fromPromise(async ({ input: i }: { input: { address: string } }) => {
          if (insecureElsewhere) throw new Error('plain HTTP (no authentication) is served on a loopback address only; serve HTTPS (tls) elsewhere');
          return listen(server, i.address, input.anyPortIfTaken);
        }),
        announce: fromPromise(({ input: { url } }: { input: { url: string } }) => {
          const self = selfOf(url);
          if (!announced) {
            announced = self;
            // Runs before the server closes (stop hooks run last-first): the others drop us at once.
            deps.onStop(async () => {
              stopping = true;
              await inflight.catch(() => {});
              await leaveGateway(deps.client, self, deps.clock.now()).catch((err: Error) => deps.log.warn({ err: err.message }, 'could not take this gateway out of the kubernetes Endpoints'));
            });
          }
          if (stopping) return Promise.resolve(0);
          const run = announceGateway(deps.client, self, deps.clock.now());
          inflight = run;
          return run;
        }),
      },
      actions: {
        listening: (_, { url }) => deps.log.info({ url, address: input.address }, 'gateway listening'),
        failed: (_, { error }) => deps.log.error({ address: input.address, err: error }, 'gateway could not listen'),
        announceFailed: (_, { error }) => deps.log.warn({ err: error }, 'could not announce this gateway in the kubernetes Endpoints; retrying'),
      },
    });
  },
});
