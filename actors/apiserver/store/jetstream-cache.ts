// The jetstream store's cache kept in step with the stream: an ordered consumer's feed applied in
// stream order, waits for a sequence, and the ways back when the feed stalls, skips or falls behind.
import type { JetStreamLog, LogFeed, LogMessage } from '../../../bus/jetstream-log.ts';
import type { HandlingContext } from '../../../bus/trace.ts';
import type { MemoryStore } from './memory-store.ts';
import type { KeyValue } from './store.ts';
import { applyEntry, barrierSubject, Duplicates, entryOf, load, MSG_ID } from './jetstream-recovery.ts';
import type { Entry } from './jetstream-recovery.ts';
import { bounded, metaLock, Repairer } from './jetstream-repair.ts';

/** Fresh consumers tried at one position before a skip counts as writes purged before this replica read them. */
const GAP_RETRIES = 3;
/** A feed that has not moved this long while someone waits for it is restarted (and filled by sequence). */
const STALL_MS = 1000;
/** A reload that failed (JetStream away) is tried again after this long. */
const RELOAD_RETRY_MS = 500;
/** Rejected proposals remembered for their writers (who read theirs right after the cache applied it). */
const REJECTIONS_KEPT = 4096;
/** How often the latest message applied is compared with the leader's at its sequence (verify). */
const VERIFY_MS = 2000;
/** How often, while the stream moves, every replica is probed at the latest sequence applied (jetstream-repair.ts). */
const PROBE_MS = 20_000;
/** Message IDs of the latest messages applied, by sequence, kept for their writers' check (REJECTIONS_KEPT of them). */
const IDS_KEPT = REJECTIONS_KEPT;
/** How long a reload waits for the repair it runs first (writers wait for the reload); the repair goes on after. */
const RELOAD_REPAIR_MS = 5000;

/**
 * Follows the stream into `mem` from sequence `applied + 1`: every message applied in stream order
 * (a foreign or corrupt one skipped with a warning). When the feed skips messages still in the stream
 * (nats-server 2.9 after a subject purge), stalls (its consumer lost with a server), or misses writes
 * purged before it read them (cut off longer than the compaction retention: the cache reloads, its
 * watchers ending as compacted ones do), it finds its way back on its own.
 */
export class StreamCache {
  /** The trace context of each key's write in flight, so watchers send its event as the request's child. */
  readonly causes = new Map<string, HandlingContext>();
  /** How often the feed skipped messages still in the stream and was restarted before them. */
  skipsRecovered = 0;
  /** The latest rejected proposals by sequence, with the key's value each was decided on (its writer's answer). */
  readonly rejections = new Map<number, KeyValue | undefined>();
  /** Each key's first and last rejected proposal not purged yet, as far as this replica knows (compactionCuts). */
  readonly unpurgedRejections = new Map<string, { first: number; last: number }>();
  /** Message IDs of the latest messages applied, by sequence: a writer acked at S finds its own here, unless this replica numbers messages otherwise than the leader (diverged). */
  readonly ids = new Map<number, string>();
  /** How often a writer found another message than its own at its acknowledged sequence (reloads). */
  divergences = 0;
  /** Drops replicas found diverged from the leader, one repair at a time (jetstream-repair.ts); its `want` is the store's replica count. */
  readonly repairer: Repairer;
  /** The sequence and message ID the feed applied last, the one the leader's copy was last compared at, and whether a comparison runs. */
  private lastApplied: [number, string] | undefined;
  private verifiedAt = 0;
  private verifying: Promise<void> | undefined;
  /** When the replicas were last probed, and the message (sequence, ID) to probe them at next. */
  private probedAt = Date.now();
  private toProbe: [number, string] | undefined;
  private verifyTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private stopError: unknown;
  /** Callers waiting for the cache to reach a sequence, ascending by it. */
  private waiting: { seq: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private feed: LogFeed | undefined;
  private stallTimer: ReturnType<typeof setInterval> | undefined;
  /** Set while fill() reads messages by sequence. */
  private filling = false;
  /** The applied sequence at which the feed last skipped ahead, and how often it was restarted there. */
  private regapped = { at: -1, tries: 0 };
  /** The reload in progress. */
  private reloading: Promise<void> | undefined;
  private readonly prefix: string;
  /** The subject of consistent reads' barriers, and the sequence of the latest one applied (compaction purges them). */
  private readonly barrier: string;
  lastBarrier = 0;

  constructor(
    private readonly log: JetStreamLog,
    private readonly mem: MemoryStore,
    /** The stream sequence up to which the cache has applied (or skipped) every message. */
    public applied: number,
    private readonly warn: (message: string, err?: unknown) => void,
    /** The message IDs seen (as the load that built the cache saw them): a later copy of one changes nothing. */
    public dups = new Duplicates(),
  ) {
    this.prefix = log.prefix;
    this.barrier = barrierSubject(log.prefix);
    this.repairer = new Repairer(log.nc, log.stream, 1, warn, metaLock(log));
  }

  /** Starts the feed from the sequence after the last one applied (it restarts itself after reconnects). */
  async follow(): Promise<void> {
    this.feed = await this.log.follow(this.applied + 1, (m) => this.receive(m), this.warn);
    this.verifyTimer ??= setInterval(() => void this.verify(), VERIFY_MS);
    this.verifyTimer.unref();
  }

  /** Restarts the feed from the next sequence: nats-server 2.9 may stall or skip a consumer after a subject purge. */
  resume = (): void => void (!this.stopped && !this.reloading && this.feed?.restart(this.applied + 1));

  /** Resolves once the cache has applied sequence `seq`. */
  until(seq: number): Promise<void> {
    if (seq <= this.applied) return Promise.resolve();
    if (this.stopped) return Promise.reject(this.stopError);
    this.watchStall();
    return new Promise((resolve, reject) => {
      let i = this.waiting.length;
      while (i > 0 && this.waiting[i - 1].seq > seq) i--;
      this.waiting.splice(i, 0, { seq, resolve, reject });
    });
  }

  /** Stops following (after a reload, comparison or repair in progress); waiters reject with `err`. */
  async stop(err: unknown): Promise<void> {
    this.stopped = true;
    this.stopError = err;
    await this.reloading;
    await this.verifying;
    await this.repairer.idle();
    await this.feed?.stop();
    clearInterval(this.stallTimer);
    clearInterval(this.verifyTimer);
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  /** Applies one message of the feed to the cache; never throws (it runs in the consumer's callback). */
  private receive(m: LogMessage): void {
    if (m.seq <= this.applied || this.reloading) return;
    try {
      if (m.seq > this.applied + 1) {
        // nats-server 2.9 may move a consumer past messages when a subject is purged: a fresh consumer
        // from the next sequence tells such a skip from messages purged before this replica read them.
        if (this.regapped.at !== this.applied) this.regapped = { at: this.applied, tries: 0 };
        if (this.regapped.tries++ < GAP_RETRIES) {
          this.skipsRecovered++;
          this.feed?.restart(this.applied + 1);
          return;
        }
        // Purged before this replica read them: deletes among them would stay visible here.
        void this.reload(`sequences ${this.applied + 1}..${m.seq - 1} were compacted away before this API server read them`);
        return;
      }
      const id = m.header(MSG_ID);
      if (id) {
        this.lastApplied = [m.seq, id];
        this.ids.set(m.seq, id);
        if (this.ids.size > IDS_KEPT) this.ids.delete(this.ids.keys().next().value!);
      }
      if (m.subject === this.barrier) this.lastBarrier = m.seq;
      const e = this.dups.seen(m) ? undefined : entryOf(m, this.prefix, this.warn);
      if (e) {
        const prev = this.mem.get(e.key);
        if (!applyEntry(this.mem, e, this.causes.get(e.key))) this.noteRejected(e, prev);
      }
    } catch (err) {
      void this.reload(`applying message ${m.seq} failed: ${(err as Error).message}`);
      return;
    }
    this.advance(m.seq);
  }

  /** Remembers a rejected proposal for its writer and for compaction. */
  noteRejected(e: Entry, prev: KeyValue | undefined): void {
    this.rejections.set(e.seq, prev);
    if (this.rejections.size > REJECTIONS_KEPT) this.rejections.delete(this.rejections.keys().next().value!);
    const r = this.unpurgedRejections.get(e.key);
    if (r) r.last = e.seq;
    else this.unpurgedRejections.set(e.key, { first: e.seq, last: e.seq });
  }

  /**
   * Called by a writer whose acknowledged sequence holds another message here: this cache no longer
   * numbers the stream as its leader does, so every decision it made since may differ from the other
   * replicas'. It reloads from the stream rather than go on diverged (its watchers end as compacted).
   */
  diverged(seq: number, reason: string): Promise<void> {
    this.divergences++;
    this.warn(`the cache of stream ${this.log.stream} diverged from the stream's leader at sequence ${seq}: ${reason}`);
    this.ids.clear();
    this.lastApplied = this.toProbe = undefined;
    // A replica that numbers the stream otherwise would feed the reload as well: repaired first (once per reload).
    return this.reload(`diverged at sequence ${seq}`, () => this.repairer.repair(seq).then(() => undefined));
  }

  /**
   * Every VERIFY_MS, compares the ID of the latest message the feed applied with the one the leader has
   * at its sequence, so a feed read from a diverged replica is found without a write; every PROBE_MS
   * it probes every replica there (a diverged one no feed reads would lead the stream if elected). The leader's answer
   * alone is not trusted (an old leader back from a partition answers too, for a while): a mismatch has the
   * replicas probed, and the cache reloads only when a majority of them holds another message than it did.
   * A stream configured with fewer replicas than the store (a repair's scale-up failed) is scaled back up.
   */
  private verify(): Promise<void> {
    return (this.verifying ??= this.compare().finally(() => (this.verifying = undefined)));
  }

  private async compare(): Promise<void> {
    const last = this.lastApplied;
    if (!last || this.stopped || this.reloading) return;
    // Every PROBE_MS (while the stream moves) the replicas are probed anyway: one no feed reads may have diverged
    // too. At the message applied last time, which every replica has had PROBE_MS to store (at the newest one a
    // replica catching up has nothing yet, and is not read).
    const probe = last !== this.toProbe && Date.now() - this.probedAt >= PROBE_MS;
    const [seq, id] = probe && this.toProbe ? this.toProbe : last;
    if (!probe && seq === this.verifiedAt) return;
    if (probe) [this.probedAt, this.toProbe] = [Date.now(), last];
    if (probe) await this.repairer.restore();
    if (probe && seq === last[0]) return; // the first time: nothing older to probe yet
    if (!probe) {
      const leaderId = (await this.log.get(seq).catch(() => undefined))?.header(MSG_ID);
      if (!leaderId || this.reloading) return;
      this.verifiedAt = seq;
      if (leaderId === id) return;
    }
    this.verifiedAt = seq;
    const majority = await this.repairer.repair(seq);
    if (majority !== undefined && majority !== id && !this.reloading && !this.stopped) await this.diverged(seq, `a majority of the replicas hold message ${majority} there, this API server's feed delivered ${id}`);
  }

  /** Records that the cache holds every write up to `seq` and wakes who waited for it. */
  private advance(seq: number): void {
    this.applied = seq;
    let n = 0;
    while (n < this.waiting.length && this.waiting[n].seq <= seq) this.waiting[n++].resolve();
    if (n > 0) this.waiting.splice(0, n);
  }

  /**
   * Rebuilds the cache from the stream, as on open, when it can no longer follow; its watchers end as
   * compacted ones do (they list again), and who waits for it goes on once it is back.
   */
  private reload(reason: string, first?: () => Promise<void>): Promise<void> {
    this.reloading ??= (async () => {
      this.warn(`the cache of stream ${this.log.stream} reloads from the stream (${reason}); its watchers end as compacted`);
      await this.feed?.stop();
      this.feed = undefined;
      // Bounded (writers wait for the reload): a repair still running goes on beside the load.
      if (first) await bounded(first(), RELOAD_REPAIR_MS);
      while (!this.stopped) {
        try {
          const { mem, lastSeq, rejected, dups } = await load(this.log, this.log.stream, this.prefix, this.warn);
          this.dups = dups;
          this.mem.reset(mem.range('').kvs, Math.max(mem.revision, this.mem.revision));
          for (const [e, prev] of rejected) this.noteRejected(e, prev);
          this.advance(Math.max(lastSeq, this.applied));
          if (!this.stopped) await this.follow();
          return;
        } catch (err) {
          this.warn(`reloading stream ${this.log.stream} failed (${(err as Error).message}); retrying`, err);
          await new Promise((r) => setTimeout(r, RELOAD_RETRY_MS));
        }
      }
    })().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  /**
   * While someone waits for a sequence the stream has acknowledged, checks every STALL_MS that the feed
   * moves; one that does not (its consumer lost with a server, which the ordered consumer notices only
   * after missed heartbeats and a backoff) is restarted from the next sequence, and filled meanwhile.
   */
  private watchStall(): void {
    if (this.stallTimer) return;
    let seen = this.applied;
    this.stallTimer = setInterval(() => {
      if (this.waiting.length === 0 || this.stopped) {
        clearInterval(this.stallTimer);
        this.stallTimer = undefined;
      } else if (this.applied === seen && !this.reloading) {
        this.warn(`the feed of stream ${this.log.stream} has not moved past ${this.applied} in ${STALL_MS} ms with writes waiting; restarting it, and reading what is waited for by sequence`);
        this.feed?.restart(this.applied + 1);
        void this.fill();
      }
      seen = this.applied;
    }, STALL_MS);
    this.stallTimer.unref();
  }

  /**
   * Reads the messages waited for one by one from the stream's leader, as the feed would deliver them:
   * a new consumer needs JetStream's meta leader, which a failover may have taken away for seconds
   * after the stream itself has a leader again.
   */
  private async fill(): Promise<void> {
    if (this.filling) return;
    this.filling = true;
    try {
      const upTo = this.waiting.at(-1)?.seq ?? 0;
      while (this.applied < upTo && !this.stopped && !this.reloading) {
        const m = await this.log.get(this.applied + 1);
        if (!m) return; // purged: the feed's gap handling settles it
        this.receive(m);
      }
    } catch (err) {
      this.warn(`reading stream ${this.log.stream} by sequence failed: ${(err as Error).message}`, err);
    } finally {
      this.filling = false;
    }
  }
}

