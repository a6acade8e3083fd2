// Informers in the test process on every stored kind, and the check that no watch lost an
// event: each cache ends equal to the store, and every store revision written while they ran
// reached one of them (each write is one revision of one key, and exactly one kind sees it).
import type { KubeObject } from '../../api/meta.ts';
import { allResources } from '../../api/resources.ts';
import type { ApiClient } from '../../bus/client.ts';
import { Informer, keyOf } from '../../bus/informer.ts';
import { waitFor } from '../helpers/wait.ts';

export interface AllWatches {
  informers: Map<string, Informer>;
  /** Revisions of every event the informers delivered (adds, updates, deletes). */
  seen: Set<number>;
  /** The store revision when all of them had listed: every later revision must arrive as an event. */
  fromRV: number;
  /** Watches resumed from a revision, summed over the informers. */
  resumes(): number;
  /** Full lists, summed (one each at start; more means a watch could not resume). */
  relists(): number;
}

/** Starts an informer per stored kind (all namespaces) on `client`; stopped in teardown. */
export async function watchAll(t: { teardown(fn: () => void): void }, client: ApiClient): Promise<AllWatches> {
  const kinds = allResources().filter((d) => !d.createOnly).map((d) => d.plural);
  const informers = new Map(kinds.map((k) => [k, new Informer(client, k)]));
  const seen = new Set<number>();
  const note = (o: KubeObject) => seen.add(Number(o.metadata.resourceVersion));
  for (const inf of informers.values()) inf.on({ add: note, update: (_, o) => note(o), delete: note });
  t.teardown(() => {
    for (const inf of informers.values()) inf.stop();
  });
  await Promise.all([...informers.values()].map((i) => i.start()));
  const fromRV = Math.max(...[...informers.values()].map((i) => Number(i.lastRV)));
  const sum = (f: (i: Informer) => number) => () => [...informers.values()].reduce((n, i) => n + f(i), 0);
  return { informers, seen, fromRV, resumes: sum((i) => i.resumes), relists: sum((i) => i.relists) };
}

/** The differences between an informer's cache and a list (names → resourceVersions); a cache ahead of the list is fine. */
function differences(inf: Informer, items: KubeObject[], listRV: number): string[] {
  const diffs: string[] = [];
  const listed = new Map(items.map((o) => [keyOf(o), Number(o.metadata.resourceVersion)]));
  for (const [key, rv] of listed) {
    const mine = inf.cache.get(key);
    const cached = mine ? Number(mine.metadata.resourceVersion) : undefined;
    if (cached === rv || (cached !== undefined && cached > listRV)) continue;
    diffs.push(`${inf.resource} ${key}: store ${rv}, cache ${cached ?? 'missing'}`);
  }
  for (const [key, o] of inf.cache) {
    if (!listed.has(key) && Number(o.metadata.resourceVersion) <= listRV) diffs.push(`${inf.resource} ${key}: deleted in the store, cache ${o.metadata.resourceVersion}`);
  }
  return diffs;
}

/**
 * Waits until every cache equals the store (writes go on, so it lists again until they agree),
 * then returns the revisions after `fromRV` up to the agreed point that no informer delivered.
 */
export async function expectConsistent(w: AllWatches, client: ApiClient, timeoutMs = 20_000): Promise<{ upTo: number; missing: number[] }> {
  const agreedAt = await Promise.all(
    [...w.informers.values()].map((inf) => {
      let last: string[] = [];
      return waitFor(
        async () => {
          const l = await client.list(inf.resource);
          const rv = Number(l.metadata.resourceVersion);
          last = differences(inf, l.items, rv);
          return last.length === 0 ? rv : 0;
        },
        `the ${inf.resource} cache to equal the store`,
        timeoutMs,
        50,
      ).catch((err: Error) => {
        throw new Error(`${err.message}: ${last.slice(0, 10).join('; ')}`);
      });
    }),
  );
  const upTo = Math.min(...agreedAt);
  const missing: number[] = [];
  for (let rv = w.fromRV + 1; rv <= upTo; rv++) if (!w.seen.has(rv)) missing.push(rv);
  return { upTo, missing };
}
