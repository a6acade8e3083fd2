// The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): deletes a finished
// Job once ttlSecondsAfterFinished has passed since it finished, after re-reading it fresh.
import type { Job } from '../../../api/kinds/job.ts';
import type { PropagationPolicy } from '../../../api/protocol.ts';
import { isGoneOrChanged, isNotFound } from '../../../api/status.ts';
import { defineController } from '../../lib/controller.ts';
import { expiresAt } from './ttl-after-finished.reconcile.ts';

/** How expired Jobs are deleted (Background by default; upstream uses Foreground, which needs the garbage collector), and workers (upstream 5). */
export type TtlAfterFinishedInput = { propagationPolicy?: PropagationPolicy; workers?: number } | void;

/** The TTL-after-finished controller actor (kind `controller/ttl-after-finished`). */
export const ttlAfterFinishedController = defineController<TtlAfterFinishedInput>({
  name: 'ttl-after-finished',
  watches: [{ resource: 'jobs' }],
  workers: (input) => input?.workers ?? 5,
  async reconcile(key, ctx, input) {
    const cached = ctx.cache<Job>('jobs').get(key);
    if (!cached || expiresAt(cached) === undefined) return;
    const now = ctx.deps.clock.now();
    if (expiresAt(cached)! > now) return { requeueAfterMs: expiresAt(cached)! - now };
    // The cache may be stale (TTL changed, Job recreated): decide again on a fresh read.
    const [namespace, name] = key.split('/');
    let fresh: Job;
    try {
      fresh = await ctx.deps.client.get<Job>('jobs', name, { namespace });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const at = expiresAt(fresh);
    if (at === undefined) return;
    if (at > now) return { requeueAfterMs: at - now };
    ctx.deps.log.info({ job: key }, 'cleaning up finished Job (TTL expired)');
    try {
      await ctx.deps.client.delete('jobs', name, { namespace, propagationPolicy: input?.propagationPolicy ?? 'Background', preconditions: { uid: fresh.metadata.uid } });
    } catch (err) {
      if (!isGoneOrChanged(err)) throw err;
      ctx.deps.log.debug({ job: key, err: (err as Error).message }, 'finished Job already gone or replaced');
    }
  },
});
