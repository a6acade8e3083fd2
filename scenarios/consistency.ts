// Checks a script runs after bus and API server faults: the runner's informer caches hold what a
// fresh list from the API holds (a watch that lost an event keeps a stale or missing object), and
// every object the script created is still there.
import type { KubeObject } from '../api/meta.ts';
import { isNotFound } from '../api/status.ts';
import type { CheckResult, ScenarioApi } from './api.types.ts';
import { resourceOf } from './workloads.ts';

const keyOf = (o: KubeObject) => (o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!);

/** Returns the differences between cached and listed objects (name → resourceVersion), at most `max`. */
export function cacheDiff(cached: KubeObject[], listed: KubeObject[], max = 5): string[] {
  const have = new Map(cached.map((o) => [keyOf(o), o.metadata.resourceVersion]));
  const out: string[] = [];
  for (const o of listed) {
    const rv = have.get(keyOf(o));
    if (rv === undefined) out.push(`${keyOf(o)} missing from the cache`);
    else if (rv !== o.metadata.resourceVersion) out.push(`${keyOf(o)} cached at rv ${rv}, listed at ${o.metadata.resourceVersion}`);
    have.delete(keyOf(o));
  }
  for (const k of have.keys()) out.push(`${k} cached but gone from the API`);
  return out.slice(0, max);
}

/**
 * A condition: the runner's caches of `kinds` equal a fresh list (names and resourceVersions).
 * Use it in `s.until`: while objects change the two may differ for a moment; a lost event never heals.
 */
export function cacheMatchesApi(s: ScenarioApi, kinds: string[]): () => Promise<CheckResult> {
  return async () => {
    const diffs: string[] = [];
    let total = 0;
    for (const kind of kinds) {
      const listed = (await s.api.list(resourceOf(kind).plural)).items;
      total += listed.length;
      diffs.push(...cacheDiff(s.list(kind).items(), listed).map((d) => `${kind} ${d}`));
    }
    return diffs.length ? { ok: false, seen: diffs.slice(0, 5).join('; ') } : { ok: true, seen: `${total} objects of ${kinds.join(', ')} agree` };
  };
}

/** Records objects the script created (kind, namespace, name → uid) and checks they all survived. */
export class CreatedObjects {
  private readonly uids = new Map<string, [kind: string, namespace: string | undefined, name: string, uid: string]>();

  /** Remembers what `s.apply` returned. */
  add(objs: KubeObject[]): void {
    for (const o of objs) this.uids.set(`${o.kind}/${keyOf(o)}`, [o.kind, o.metadata.namespace, o.metadata.name!, o.metadata.uid!]);
  }

  get size(): number {
    return this.uids.size;
  }

  /** A condition: every remembered object exists with the same uid (read from the API, not the cache). */
  allPresent(s: ScenarioApi): () => Promise<CheckResult> {
    return async () => {
      const lost: string[] = [];
      for (const [key, [kind, namespace, name, uid]] of this.uids) {
        // 404 is a lost object; any other error fails the check with its own message.
        const got = await s.api.get(resourceOf(kind).plural, name, { namespace }).catch((err: unknown) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
        if (got?.metadata.uid !== uid) lost.push(got ? `${key} replaced (uid ${got.metadata.uid})` : `${key} missing`);
      }
      return lost.length ? { ok: false, seen: lost.slice(0, 5).join('; ') } : { ok: true, seen: `all ${this.uids.size} created objects present` };
    };
  }
}
