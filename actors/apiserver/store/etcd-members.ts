// EtcdMembers: one etcd3 client per etcd member, with etcd3's circuit breakers and retries switched off;
// the store picks the member of each request itself and tries another on errors that allow it.
import { Etcd3, isRecoverableError } from 'etcd3';
import type { IOptions } from 'etcd3';

/** After a failure, a member goes to the back of the order for this long, doubling per failure in a row. */
const FAILED_BASE_MS = 100;
const FAILED_MAX_MS = 3000;
/** A member holding a request this long, with no answer from it since it was sent, goes to the back. */
const STALLED_MS = 1000;
/** Between rounds over every member (doubling from the first). */
const ROUND_BACKOFF_MS = 50;
const ROUND_BACKOFF_MAX_MS = 500;
/** Past etcd's server-side keepalive minimum (5 s): a stream to a member cut off breaks within ~15 s. */
const KEEPALIVE = { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5000 };

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/**
 * A fault policy that runs the call and nothing more: no retries, no circuit to open. etcd3's default
 * (a per-host ConsecutiveBreaker(3), half-open after 5 s, and 3 retries) opens the circuits of healthy
 * members while an election's errors come back, and reopens them at each half-open trial: writes
 * then fail with BrokenCircuitError for tens of seconds after the election is over.
 */
const passThrough = {
  execute: <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T) => Promise.resolve().then(() => fn({ signal: new AbortController().signal })),
  onSuccess: () => ({ dispose() {} }),
  onFailure: () => ({ dispose() {} }),
} as unknown as Policy;

/** One member: its client and what the store has seen of it. */
export class Member {
  /** When it last answered (anything but a transport or election error). */
  lastOk = 0;
  /** Failures in a row; until `backUntil` it is tried after the others. */
  failures = 0;
  backUntil = 0;
  /** Send times of its requests in flight. */
  readonly pending = new Set<{ at: number }>();

  constructor(
    readonly endpoint: string,
    readonly client: Etcd3,
  ) {}

  /** It answered. */
  ok(): void {
    this.lastOk = Date.now();
    this.failures = 0;
    this.backUntil = 0;
  }

  /** It failed as a member down, cut off or without a leader fails: tried after the others for a while. */
  failed(): void {
    this.failures++;
    this.backUntil = Date.now() + Math.min(FAILED_BASE_MS * 2 ** (this.failures - 1), FAILED_MAX_MS);
  }

  /** Whether it is to be tried after the others now: it failed lately, or it holds a request long unanswered. */
  get doubtful(): boolean {
    const now = Date.now();
    if (this.backUntil > now) return true;
    for (const p of this.pending) if (now - p.at > STALLED_MS && this.lastOk < p.at) return true;
    return false;
  }
}

/** Whether an error says a member is down, cut off, frozen, or in an election (another member, or a later try, may answer). */
export const transient = (err: unknown): boolean => err instanceof Error && isRecoverableError(err);

/**
 * Whether a transient error says the request was never applied, so that sending it again cannot apply
 * it twice: no connection to the member, or etcd dropped the proposal before raft took it.
 */
export const notApplied = (err: unknown): boolean =>
  err instanceof Error && /No connection established|ECONNREFUSED|connect ECONN|Failed to connect|raft proposal dropped|etcdserver: (no leader|not capable|too many requests)/i.test(err.message);

/** A write whose try may have been applied, and whose next try's compare failed: it may have been applied or not. */
export class EtcdOutcomeUnknownError extends Error {
  constructor(key: string) {
    super(`etcd: the outcome of the write of ${key} is unknown (a try timed out or lost its connection, and the next found the key changed)`);
    this.name = 'EtcdOutcomeUnknownError';
  }
}

/** How a request is run over the members. */
export interface CallOptions {
  /** Give up (throwing the last error) once this time has passed. */
  deadline: number;
  /** Each try's own deadline, at most (default: the call's). */
  tryMs?: number;
  /** Whether a try that may have been applied (a timeout, a dropped connection) may be sent again. */
  resend: boolean;
  /** Set when a try failed after it may have been applied (and the call went on to another try). */
  outcome?: { ambiguous: boolean };
  /** Whether to stop (the store closed). */
  stopped?: () => boolean;
}

/**
 * The members of one etcd cluster, as the store sends requests to them. Each request goes to the member
 * that answered most recently, unless it failed lately or holds a request unanswered for a second (a
 * member down, cut off or frozen); those are tried last, never dropped: when every member is in doubt,
 * the one back soonest is tried first. A transient error moves the request to the next member at
 * once; after a round over all of them, the next round waits a short backoff, within the deadline.
 */
export class EtcdMembers {
  readonly members: Member[];

  constructor(endpoints: string[], grpcOptions: Record<string, unknown> = {}) {
    if (endpoints.length === 0) throw new Error('no etcd endpoints');
    // Several API servers spread over the members until answers make each prefer one.
    const first = Math.floor(Math.random() * endpoints.length);
    const order = endpoints.map((_, i) => endpoints[(first + i) % endpoints.length]);
    this.members = order.map(
      (endpoint) =>
        new Member(
          endpoint,
          new Etcd3({
            hosts: endpoint,
            dialTimeout: 5000,
            grpcOptions: { ...KEEPALIVE, ...grpcOptions },
            faultHandling: { host: () => passThrough, global: passThrough },
          }),
        ),
    );
  }

  /** The members, best first: those not in doubt by their last answer, newest first; then the rest, back soonest first. */
  ranked(): Member[] {
    const withDoubt = this.members.map((m, i) => ({ m, i, doubtful: m.doubtful }));
    withDoubt.sort((a, b) => {
      if (a.doubtful !== b.doubtful) return a.doubtful ? 1 : -1;
      if (!a.doubtful) return b.m.lastOk - a.m.lastOk || a.i - b.i;
      return a.m.backUntil - b.m.backUntil || b.m.lastOk - a.m.lastOk || a.i - b.i;
    });
    return withDoubt.map((x) => x.m);
  }

  /** The member to open a long-lived stream on (the best one, other than `avoid` when another is there). */
  pick(avoid?: Member): Member {
    const ranked = this.ranked();
    return ranked.find((m) => m !== avoid && !m.doubtful) ?? ranked.find((m) => m !== avoid) ?? ranked[0];
  }

  /**
   * Runs `fn` on the best member; on a transient error, on the next (members not yet tried in this
   * round first), then rounds again after a backoff, until the deadline. A try that may have been
   * applied is only sent again with `resend` (a read, or a write whose compare keeps it from applying twice). Throws the last error.
   */
  async call<T>(fn: (client: Etcd3, deadline: number) => Promise<T>, o: CallOptions): Promise<T> {
    let tried = new Set<Member>();
    let backoff = ROUND_BACKOFF_MS;
    for (let last: unknown; ; ) {
      if (last !== undefined && (Date.now() >= o.deadline || o.stopped?.())) throw last;
      const m = this.ranked().find((x) => !tried.has(x)) ?? this.ranked()[0];
      tried.add(m);
      const sent = { at: Date.now() };
      const deadline = Math.min(o.deadline, o.tryMs === undefined ? Infinity : sent.at + o.tryMs);
      m.pending.add(sent);
      try {
        const res = await fn(m.client, deadline);
        m.ok();
        return res;
      } catch (err) {
        if (!transient(err)) {
          m.ok(); // It answered; the answer is the request's.
          throw err;
        }
        m.failed();
        const ambiguous = !notApplied(err);
        if (ambiguous && !o.resend) throw err;
        if (ambiguous && o.outcome) o.outcome.ambiguous = true;
        last = err;
      } finally {
        m.pending.delete(sent);
      }
      if (tried.size >= this.members.length) {
        tried = new Set();
        await new Promise((r) => setTimeout(r, Math.max(0, Math.min(backoff, o.deadline - Date.now()))));
        backoff = Math.min(backoff * 2, ROUND_BACKOFF_MAX_MS);
      }
    }
  }

  /** Closes every member's client. */
  close(): void {
    for (const m of this.members) m.client.close();
  }
}
