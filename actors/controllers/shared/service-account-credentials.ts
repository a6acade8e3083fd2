// kube-controller-manager's --use-service-account-credentials: each controller's requests act as its
// own service account (kube-system/<account>), authorized by that account's system:controller:<account>
// role, while the shared informers and leader election stay the controller manager's own. On a locked
// bus the API server accepts these names from the controller manager's identity only.
import type { UserInfo } from '../../../api/protocol.ts';
import { StatusError } from '../../../api/status.ts';
import type { ApiClient } from '../../../bus/client.ts';
import type { Logger } from '../../../bus/types.ts';
import type { ActorDefinition, ActorDeps } from '../../lib/actor.ts';

/** The namespace of the controllers' service accounts. */
const NAMESPACE = 'kube-system';

/** kubus's controller name → the service account it acts as (upstream's names; several share node-controller, as upstream). */
export const CONTROLLER_SERVICE_ACCOUNTS: Readonly<Record<string, string>> = {
  'node-lifecycle': 'node-controller',
  'taint-eviction': 'node-controller',
  'node-ipam': 'node-controller',
  replicaset: 'replicaset-controller',
  replicationcontroller: 'replication-controller',
  disruption: 'disruption-controller',
  'disruption-stale-pods': 'disruption-controller',
  deployment: 'deployment-controller',
  'garbage-collector': 'generic-garbage-collector',
  namespace: 'namespace-controller',
  endpoints: 'endpoint-controller',
  endpointslice: 'endpointslice-controller',
  endpointslicemirroring: 'endpointslicemirroring-controller',
  serviceaccount: 'service-account-controller',
  'root-ca-cert-publisher': 'root-ca-cert-publisher',
  'clusterrole-aggregation': 'clusterrole-aggregation-controller',
  resourcequota: 'resourcequota-controller',
  daemonset: 'daemon-set-controller',
  statefulset: 'statefulset-controller',
  job: 'job-controller',
  'ttl-after-finished': 'ttl-after-finished-controller',
  cronjob: 'cronjob-controller',
  podgc: 'pod-garbage-collector',
  'crd-cleanup': 'crd-cleanup-controller',
  'persistentvolume-binder': 'persistent-volume-binder',
  'local-path-provisioner': 'local-path-provisioner',
  'pvc-protection': 'pvc-protection-controller',
  'pv-protection': 'pv-protection-controller',
  horizontalpodautoscaling: 'horizontal-pod-autoscaler',
  'metrics-server': 'metrics-server',
};

/** Returns the user of a controller's service account (upstream's username and groups). */
export const controllerUser = (account: string): UserInfo => ({
  username: `system:serviceaccount:${NAMESPACE}:${account}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${NAMESPACE}`, 'system:authenticated'],
});

/** Returns the definition with its client acting as `account`'s user (its informers stay the process's). */
export function withServiceAccount<I>(def: ActorDefinition<I>, account: string): ActorDefinition<I> {
  const user = controllerUser(account);
  const as = (deps: ActorDeps): ActorDeps => ({ ...deps, client: deps.client.as(user) });
  return {
    ...def,
    logic: (deps, input) => def.logic(as(deps), input),
    ...(def.bindings ? { bindings: (deps: ActorDeps, input: I) => def.bindings!(as(deps), input) } : {}),
  };
}

/** Thrown when a controller has no service account to act as. */
export class NoControllerAccountError extends Error {
  override name = 'NoControllerAccountError';
}

/** Returns `name`'s definition acting as its service account; throws NoControllerAccountError for a controller the table lacks. */
export function asControllerAccount<I>(name: string, def: ActorDefinition<I>): ActorDefinition<I> {
  const account = CONTROLLER_SERVICE_ACCOUNTS[name];
  if (!account) throw new NoControllerAccountError(`controller "${name}" has no service account: add it to CONTROLLER_SERVICE_ACCOUNTS and give it a system:controller: role`);
  return withServiceAccount(def, account);
}

/** Statuses worth another try: the API server not there yet (503, 504), busy (429, 500), or kube-system not made yet (404). */
const RETRY = new Set([404, 429, 500, 503, 504]);

/**
 * Creates the controllers' ServiceAccounts in kube-system that do not exist yet, as upstream's
 * kube-controller-manager does with --use-service-account-credentials (its client builder gets or
 * creates each account with the controller manager's own user, which system:kube-controller-manager
 * lets create serviceaccounts). Idempotent (409: already there); tries again every `retryMs` while
 * the API server or kube-system is not there, until `signal` aborts. Returns the accounts it made.
 */
export async function ensureControllerAccounts(client: ApiClient, accounts: Iterable<string>, o: { signal?: AbortSignal; retryMs?: number; log?: Logger } = {}): Promise<string[]> {
  const made: string[] = [];
  for (const name of [...new Set(accounts)].sort()) {
    while (!o.signal?.aborted) {
      try {
        await client.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: NAMESPACE } } as never, { namespace: NAMESPACE });
        made.push(name);
        break;
      } catch (err) {
        const code = err instanceof StatusError ? err.status.code : undefined;
        if (code === 409) break;
        if (code === undefined || !RETRY.has(code)) {
          // At a stop the bus drains and refuses requests: nothing to warn of.
          if (!o.signal?.aborted) o.log?.warn({ err: (err as Error).message, account: name }, 'controller service account not created');
          break;
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            o.signal?.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, o.retryMs ?? 1000);
          o.signal?.addEventListener('abort', done, { once: true });
        });
      }
    }
  }
  return made;
}

/** The accounts the controllers `names` act as (those the table knows). */
export const accountsOf = (names: readonly string[]) => names.map((n) => CONTROLLER_SERVICE_ACCOUNTS[n]).filter((a): a is string => !!a);
