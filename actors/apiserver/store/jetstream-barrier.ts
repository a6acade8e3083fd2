// The consistent read's barrier of the jetstream store. JetStream answers no read through its Raft
// quorum: a stream leader cut off by a partition, or back from one, answers stream info and message
// gets from its own copy for seconds (nats-server 2.9 steps a leader without quorum down only after
// its lost-quorum interval), so "the leader's last sequence" may be stale, and a read served up to it
// misses acknowledged writes (the partition-then-heal test's history check found such reads). A
// publish is the one thing a quorum acknowledges: the barrier publishes an empty message on a subject
// no key maps to, and the read waits until the cache has applied it, as etcd's ReadIndex confirms
// leadership with a heartbeat round before a linearizable read. Reads arriving while a barrier is in
// flight share the next one, so concurrent reads cost one publish.
import type { JetStreamLog } from '../../../bus/jetstream-log.ts';
import type { StreamCache } from './jetstream-cache.ts';
import { StoreClosedError, StoreUnavailableError } from './errors.ts';
import { barrierSubject } from './jetstream-recovery.ts';

const EMPTY = new Uint8Array(0);

/** What the barrier needs of its store. */
export interface BarrierHost {
  /** Tells this store's message IDs from another's. */
  session: string;
  /** Returns `p`, its transport failures as StoreUnavailableError. */
  reach<T>(p: Promise<T>): Promise<T>;
  /** True once the store is closing. */
  closed(): boolean;
  /** How long a barrier's publish is tried again (a stream leader election); the caller's deadline bounds the whole. */
  timeoutMs: number;
}

export class ReadBarrier {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  private count = 0;
  /** Barriers published (read by tests and the store's stats). */
  published = 0;

  constructor(
    private readonly log: JetStreamLog,
    private readonly cache: StreamCache,
    private readonly host: BarrierHost,
  ) {}

  /**
   * Resolves once the cache has applied every write the stream acknowledged before the call. A barrier
   * already in flight may have been ordered before such a write: the caller joins the one after it.
   */
  sync(): Promise<void> {
    if (!this.running) return this.start();
    this.next ??= this.running.then(
      () => this.start(),
      () => this.start(),
    );
    return this.next;
  }

  private start(): Promise<void> {
    this.next = undefined;
    const p = this.once().finally(() => {
      // While a next barrier is queued, arrivals join it (it starts itself).
      if (this.running === p && !this.next) this.running = undefined;
    });
    this.running = p;
    return p;
  }

  private async once(): Promise<void> {
    const closed = () => {
      if (this.host.closed()) throw new StoreClosedError();
    };
    closed();
    const msgID = `${this.host.session}-b${++this.count}`;
    const subject = barrierSubject(this.log.prefix);
    let seq: number;
    try {
      seq = await this.host.reach(this.log.append(subject, EMPTY, { headers: {}, msgID, giveUpAt: Date.now() + this.host.timeoutMs }));
    } catch (err) {
      closed();
      throw err;
    }
    this.published++;
    await this.cache.until(seq);
    closed();
    const applied = this.cache.ids.get(seq);
    if (applied !== msgID) {
      // Another message there: this cache numbers the stream otherwise than the leader. None (the cache
      // reached it by a reload that read no ID there): unconfirmed, so not served either.
      if (applied !== undefined) void this.cache.diverged(seq, `a read's barrier (message ${msgID}) was acknowledged there, but this API server's feed delivered message ${applied} at it`);
      throw new StoreUnavailableError(`the jetstream store's cache could not confirm revision ${seq} (${applied === undefined ? 'it reloaded past it' : 'it diverged from the stream and reloads'}); read again`);
    }
  }
}
