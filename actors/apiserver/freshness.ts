// Reads and writes on a store shared by several API servers: each replica serves from its own cache,
// which another replica's write reaches a little later. What must wait for it, and how long.
import { StatusError } from '../../api/status.ts';
import type { ServerContext } from './context.ts';
import { tooLargeResourceVersion } from './list-revision.ts';

/**
 * How often a write that failed on a stale read is tried at most. Upstream's GuaranteedUpdate retries until
 * it stops conflicting; each retry here follows someone else's write, so N writers racing on one key need
 * up to N tries (40 concurrent patches of one ConfigMap: 35 got 409 with 5 tries).
 */
const WRITE_ATTEMPTS = 100;

/**
 * Resolves once this replica's cache, and its watch hub, hold every write the backend acknowledged
 * before the call: upstream's consistent read from cache (KEP-2340). Undefined when the store has one
 * API server, whose cache is the store: the caller reads at once, with no await.
 */
export function consistent(ctx: ServerContext): Promise<void> | undefined {
  if (!ctx.store.sync) return undefined;
  // Reads go to the store's cache, fresh once sync() resolves; the hub (its pod index, a watch's
  // initial state) follows a microtask later. Should it not (never seen), serve anyway: a watch's
  // initial state is then merely older, and the events after it still follow.
  return ctx.store.sync().then(async () => void (await ctx.hub.reach(ctx.store.revision)));
}

/**
 * Resolves once the cache has reached `revision` (waiting at most the hub's catch-up time, upstream's
 * 3 s), then rejects with upstream's 504 "Too large resource version". Undefined when nothing needs to
 * wait: the cache is there already, or the store is not shared (then listRead answers from its revision).
 */
export function atLeast(ctx: ServerContext, revision: number): Promise<void> | undefined {
  if (!ctx.store.sync || revision <= ctx.hub.position) return undefined;
  return ctx.hub.reach(revision).then((reached) => {
    if (!reached) throw tooLargeResourceVersion(revision, ctx.hub.position);
  });
}

/** A write's failure that a stale cache can cause: the object (or its namespace) not there yet, or an older version of it. */
const staleAnswer = (err: unknown) => err instanceof StatusError && (err.code === 404 || (err.code === 409 && err.status.reason === 'Conflict'));

/**
 * Runs a write; when it failed as a stale read would make it fail (404, 409 Conflict), runs it again
 * from a fresh read, as upstream's GuaranteedUpdate does: on a shared store the cache may be behind
 * (synced first), on any store a concurrent write may have landed between the read and the
 * compare-and-set. An unconditional update, patch, delete or bind then succeeds, while a stale
 * resourceVersion precondition still gets its 409 (nothing changed meanwhile, or the retry conflicts too).
 */
export async function guaranteed<T>(ctx: ServerContext, write: () => T | Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    // Taken before the write: a compare-and-set that lost a race (409) answers once the cache holds
    // the write that won, so "nothing new since the failure" would wrongly make that 409 stand.
    const before = ctx.store.revision;
    try {
      return await write();
    } catch (err) {
      if (attempt >= WRITE_ATTEMPTS || !staleAnswer(err)) throw err;
      if (ctx.store.sync) await consistent(ctx);
      // Nothing new arrived since the attempt read the cache: it was current, so the answer stands.
      if (ctx.store.revision === before) throw err;
    }
  }
}
