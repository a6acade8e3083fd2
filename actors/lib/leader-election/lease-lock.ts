// The Lease lock of leader election, as client-go's tryAcquireOrRenew: create the Lease if
// missing; if another holder's lease was renewed less than leaseDuration ago (by our own clock's
// observation, not its timestamps) wait; otherwise write ourselves as holder.
import type { Lease } from '../../../api/kinds/lease.ts';
import { rfc3339Micro } from '../../../api/names.ts';
import { isNotFound } from '../../../api/status.ts';
import type { ApiClient } from '../../../bus/client.ts';
import type { Clock } from '../../../bus/clock.ts';

export interface LockRef {
  namespace: string;
  name: string;
}

/** Returns a Lease holding the lock for `identity`. */
function leaseFor(ref: LockRef, identity: string, durationS: number, acquireTime: string, renewTime: string, transitions: number, base?: Lease): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: base ? { ...base.metadata } : { name: ref.name, namespace: ref.namespace },
    spec: { holderIdentity: identity, leaseDurationSeconds: durationS, acquireTime, renewTime, leaseTransitions: transitions },
  };
}

/** Tries to take or keep the lock; remembers when it last saw the record change. */
export class LeaseLock {
  private observed: string | undefined;
  private observedAt = 0;
  /** True while we hold the lock (as far as our last successful write knows). */
  leader = false;

  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    readonly ref: LockRef,
    readonly identity: string,
    private readonly leaseDurationMs: number,
  ) {}

  /** Returns whether we hold the lock after this attempt (never throws: a failed write is a `false`). */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const at = rfc3339Micro(now);
    const durationS = Math.max(1, Math.round(this.leaseDurationMs / 1000));
    const { namespace, name } = this.ref;
    let cur: Lease;
    try {
      cur = await this.client.get<Lease>('leases', name, { namespace });
    } catch (err) {
      if (!isNotFound(err)) return (this.leader = false);
      try {
        await this.client.create('leases', leaseFor(this.ref, this.identity, durationS, at, at, 0));
        this.remember(this.identity + at, now);
        return (this.leader = true);
      } catch {
        return (this.leader = false);
      }
    }
    const spec = cur.spec ?? {};
    const record = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}|${spec.leaseTransitions ?? 0}`;
    if (record !== this.observed) this.remember(record, now);
    const holder = spec.holderIdentity ?? '';
    const ttl = (spec.leaseDurationSeconds ?? durationS) * 1000;
    const mine = holder === this.identity;
    if (holder && !mine && this.observedAt + ttl > now) return (this.leader = false);
    const next = leaseFor(
      this.ref,
      this.identity,
      durationS,
      mine && spec.acquireTime ? spec.acquireTime : at,
      at,
      mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
      cur,
    );
    try {
      const written = await this.client.update<Lease>('leases', next);
      this.remember(`${this.identity}|${written.spec?.renewTime ?? at}|${written.spec?.leaseTransitions ?? 0}`, now);
      return (this.leader = true);
    } catch {
      return (this.leader = false);
    }
  }

  /** Gives the lock up (empty holder, 1 s duration), as client-go's ReleaseOnCancel, so another takes over at once. */
  async release(): Promise<void> {
    if (!this.leader) return;
    this.leader = false;
    const { namespace, name } = this.ref;
    const cur = await this.client.get<Lease>('leases', name, { namespace });
    if (cur.spec?.holderIdentity !== this.identity) return;
    const at = rfc3339Micro(this.clock.now());
    await this.client.update('leases', { ...cur, spec: { ...cur.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: at, acquireTime: at } });
  }

  private remember(record: string, now: number): void {
    this.observed = record;
    this.observedAt = now;
  }
}
