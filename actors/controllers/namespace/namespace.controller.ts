// The namespace controller: a deleted namespace (Terminating) is emptied of all its content,
// with conditions saying what remains, then its `kubernetes` finalizer is removed and it goes
// (upstream pkg/controller/namespace). Waits, as upstream, by requeueing after half the
// estimated grace period plus a second.
import type { Namespace } from '../../../api/kinds/namespace.ts';
import type { KubeObject } from '../../../api/meta.ts';
import { parseRfc3339 } from '../../../api/names.ts';
import { isConflict, isNotFound } from '../../../api/status.ts';
import type { ApiClient } from '../../../bus/client.ts';
import { defineController } from '../../lib/controller.ts';
import { deleteAllContent } from './content-deleter.ts';
import { failingConditions, updateConditions, type NamespaceCondition } from './namespace-conditions.ts';

/** The finalizer this controller owns in spec.finalizers. */
export const KUBERNETES_FINALIZER = 'kubernetes';

/** Timing knobs of the namespace controller. */
export interface NamespaceControllerOptions {
  /** Delay after a namespace is deleted before its content is (upstream namespaceDeletionGracePeriod, 5 s). */
  deletionGracePeriodMs?: number;
  /** Namespaces emptied at once (upstream --concurrent-namespace-syncs, 10). */
  workers?: number;
}
export type NamespaceControllerInput = NamespaceControllerOptions | void;

const CONFLICT_RETRIES = 5;
const DEFAULT_WORKERS = 10;

/** Applies `fn` to the latest namespace, again on 409 Conflict; returns its result, or undefined when the namespace is gone. */
async function retryOnConflict(client: ApiClient, ns: Namespace, fn: (ns: Namespace) => Promise<Namespace>): Promise<Namespace | undefined> {
  let latest = ns;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(latest);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
      const next = await client.get<Namespace>('namespaces', ns.metadata.name!);
      if (next.metadata.uid !== ns.metadata.uid) throw new Error('namespace uid has changed across retries');
      latest = next;
    }
  }
}

/** Makes sure a deleted namespace says Terminating (the API server sets it; another writer may not have). */
const ensureTerminating = (client: ApiClient) => async (ns: Namespace) =>
  ns.status?.phase === 'Terminating' ? ns : client.updateStatus<Namespace>('namespaces', { ...ns, status: { ...ns.status, phase: 'Terminating' } } as KubeObject);

/** Removes our finalizer from spec.finalizers (the API server deletes the namespace when none remain). */
const finalize = (client: ApiClient) => async (ns: Namespace) => {
  const finalizers = [...new Set((ns.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER))].sort();
  return client.update<Namespace>('namespaces', { ...ns, spec: { ...ns.spec, finalizers } } as KubeObject);
};

/** The namespace controller's actor definition (input: options or nothing). */
export const namespaceController = defineController<NamespaceControllerInput>({
  name: 'namespace',
  // Each reconcile works on its own namespace only: nothing is shared between workers.
  workers: (input) => (input && input.workers) || DEFAULT_WORKERS,
  // Only namespaces being deleted are work.
  watches: [{ resource: 'namespaces', keys: (ns) => (ns.metadata.deletionTimestamp ? [ns.metadata.name!] : []) }],
  async reconcile(name, ctx, input) {
    const { client, clock, log } = ctx.deps;
    // Several writers touch a terminating namespace: act on the latest state, not the cache.
    let ns: Namespace | undefined;
    try {
      ns = await client.get<Namespace>('namespaces', name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const deletedAt = ns.metadata.deletionTimestamp;
    if (!deletedAt) return;
    const wait = parseRfc3339(deletedAt) + ((input && input.deletionGracePeriodMs) ?? 5_000) - clock.now();
    if (wait > 0) return { requeueAfterMs: wait };
    ns = await retryOnConflict(client, ns, ensureTerminating(client));
    if (!ns?.metadata.deletionTimestamp || !(ns.spec?.finalizers ?? []).length) return;

    const pass = await deleteAllContent(client, name, deletedAt, () => clock.now());
    // Conditions are always brought up to date, so a failure that has cleared is reported as cleared.
    const now = clock.now();
    const current = (ns.status?.conditions ?? []) as NamespaceCondition[];
    const { conditions, changed } = updateConditions(current, failingConditions(pass.totals, now), now);
    if (changed) {
      try {
        ns = await client.updateStatus<Namespace>('namespaces', { ...ns, status: { ...ns.status, conditions } } as KubeObject);
      } catch (err) {
        log.warn({ namespace: name, err: (err as Error).message }, "couldn't update status condition for namespace");
      }
    }
    if (pass.totals.deleteErrors.length) throw new Error(pass.totals.deleteErrors.join('; '));
    if (pass.estimateSeconds > 0) {
      const waitSeconds = Math.floor(pass.estimateSeconds / 2) + 1;
      log.debug({ namespace: name, waitSeconds }, 'content remaining in namespace');
      return { requeueAfterMs: waitSeconds * 1000 };
    }
    await retryOnConflict(client, ns, finalize(client));
  },
});
