// The repair pass of Service addresses (upstream's repair controllers for cluster IPs and node
// ports), over one replica's store cache: reserves what stored Services hold without a key (a store
// from before reservations, a crash), logs an address two Services hold, and frees keys whose
// Service never got stored or no longer holds them once they looked orphaned in LEAK_PASSES passes
// in a row (upstream's numRepairsBeforeLeakCleanup) and are LEAK_MIN_AGE_MS old. Every replica may
// run it: its writes are create-if-absent and delete-if-modRevision.
import { parseRfc3339, rfc3339 } from '../../api/names.ts';
import type { Clock } from '../../bus/clock.ts';
import type { Logger } from '../../bus/types.ts';
import { IP_PREFIX, NODE_PORT_PREFIX, SERVICES_PREFIX, belongsTo, keysOf, reservationFor, type Reservation, type ServiceLike } from './service-reservations.ts';
import type { Store } from './store/store.ts';

/** Passes a reservation must look orphaned in before it is freed: a create in flight is not a leak. */
export const LEAK_PASSES = 3;
/** ... and be this old: with a short repair period (tests), a create still in flight is never taken for a leak. */
export const LEAK_MIN_AGE_MS = 60_000;

/** What one repair pass did. */
export interface RepairResult {
  created: number;
  released: number;
  duplicates: number;
}

/** Repairs one replica's Service address reservations, pass by pass (it remembers what looked orphaned). */
export class ServiceAddressRepair {
  /** Reservation keys that looked orphaned, with the modRevision seen and in how many passes in a row. */
  private readonly suspects = new Map<string, { modRevision: number; passes: number }>();

  constructor(private readonly opts: { store: Store; clock: Clock; log: Logger }) {}

  /** Runs one pass. */
  async pass(): Promise<RepairResult> {
    const { store, log, clock } = this.opts;
    const result: RepairResult = { created: 0, released: 0, duplicates: 0 };
    const held = new Map<string, ServiceLike>();
    for (const kv of store.range(SERVICES_PREFIX).kvs) {
      const svc = kv.value as ServiceLike;
      for (const key of keysOf(svc)) {
        held.set(key, svc);
        const cur = store.get(key);
        if (cur && belongsTo(cur, svc)) continue;
        if (cur) {
          result.duplicates++;
          log.error({ key, service: `${svc.metadata.namespace}/${svc.metadata.name}`, holder: (cur.value as Reservation).spec?.parentRef }, 'a Service holds an address reserved for another');
          continue;
        }
        if ((await store.txn({ op: 'create', key, value: reservationFor(key, svc, rfc3339(clock.now())) })).ok) result.created++;
      }
    }
    const seen = new Set<string>();
    for (const prefix of [IP_PREFIX, NODE_PORT_PREFIX]) {
      for (const kv of store.range(prefix).kvs) {
        const svc = held.get(kv.key);
        if (svc && belongsTo(kv, svc)) continue;
        seen.add(kv.key);
        const s = this.suspects.get(kv.key);
        const passes = s && s.modRevision === kv.modRevision ? s.passes + 1 : 1;
        this.suspects.set(kv.key, { modRevision: kv.modRevision, passes });
        const born = parseRfc3339((kv.value as Reservation).metadata.creationTimestamp ?? '');
        if (passes < LEAK_PASSES || !(clock.now() - born >= LEAK_MIN_AGE_MS)) continue;
        const r = await store.txn({ op: 'delete', key: kv.key, ifModRevision: kv.modRevision });
        this.suspects.delete(kv.key);
        if (r.ok) {
          result.released++;
          log.info({ key: kv.key, parent: (kv.value as Reservation).spec?.parentRef }, 'released an address no Service holds');
        }
      }
    }
    for (const k of this.suspects.keys()) if (!seen.has(k)) this.suspects.delete(k);
    return result;
  }
}
