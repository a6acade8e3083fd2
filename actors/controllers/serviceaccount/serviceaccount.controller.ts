// The service account controller: every active namespace has a `default` ServiceAccount,
// re-created when deleted; none is made in a terminating namespace (upstream
// pkg/controller/serviceaccount/serviceaccounts_controller.go). Keyed by namespace.
import type { Namespace } from '../../../api/kinds/namespace.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { isAlreadyExists, isNamespaceTerminating } from '../../../api/status.ts';
import { defineController } from '../../lib/controller.ts';

/** The ServiceAccounts every namespace gets (upstream serviceAccountsToEnsure). */
export const SERVICE_ACCOUNTS_TO_ENSURE = ['default'];

/** The service account controller's actor definition (input: none). */
export const serviceAccountController = defineController({
  name: 'serviceaccount',
  // Upstream runs this controller with one worker.
  workers: 1,
  // A ServiceAccount's change is work for its namespace (upstream serviceAccountDeleted).
  watches: [{ resource: 'namespaces' }, { resource: 'serviceaccounts', keys: (sa) => [sa.metadata.namespace!] }],
  async reconcile(namespace, ctx) {
    const ns = ctx.cache<Namespace>('namespaces').get(namespace);
    // Only active namespaces: nothing is created in one that is going away.
    if (!ns || ns.status?.phase !== 'Active') return;
    const failures: string[] = [];
    for (const name of SERVICE_ACCOUNTS_TO_ENSURE) {
      if (ctx.cache('serviceaccounts').get(`${namespace}/${name}`)) continue;
      const sa: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
      try {
        await ctx.deps.client.create('serviceaccounts', sa);
      } catch (err) {
        if (isAlreadyExists(err)) continue; // the cache lags
        if (isNamespaceTerminating(err)) {
          ctx.deps.log.debug({ namespace }, 'namespace is terminating; no service account created');
          continue;
        }
        failures.push((err as Error).message);
      }
    }
    if (failures.length) throw new Error(failures.join('; '));
  },
});
