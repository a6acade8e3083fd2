// EtcdFeed: one etcd watch stream over a key range, resumed from the follower's own position after
// any break, that asks etcd for progress and reports when etcd compacted past it.
import type { IDuplexStream, IRangeRequest, IWatchRequest, IWatchResponse } from 'etcd3';
import type { EtcdMembers, Member } from './etcd-members.ts';

/** What the feed hands its follower. */
export interface FeedHandlers {
  /** A response with events (in revision order; all events of a revision in one response). */
  onEvents(res: IWatchResponse): void;
  /** Every change in the range up to `revision` has been handed over (a progress notification). */
  onProgress(revision: number): void;
  /** etcd compacted past the position the feed resumes from: it stopped; call `resume()` after reloading. */
  onCompacted(compactRevision: number): void;
  /** The stream broke or was refused (the feed reconnects by itself). */
  onWarn(message: string, err?: unknown): void;
}

/** The deadline of the reads that prove a replica has every change up to a progress revision (proveCaughtUp). */
const PROOF_MS = 5000;
/** etcd's catch-up of a watch from the past sends at most this many revisions a response (watchBatchMaxRevs). */
const CATCH_UP_BATCH_REVS = 1000;
const MIN_BACKOFF_MS = 20;
const MAX_BACKOFF_MS = 500;
/** Between progress requests that brought no news. */
const PROGRESS_PACE_MS = 10;

/**
 * Follows [key, rangeEnd) from `from()` (the follower's next revision, read at every (re)connect,
 * so no event is lost or repeated across breaks; etcd3's own Watcher resumes from the last
 * header's revision, which skips events a watch still catching up had not sent).
 *
 * Requested progress is trusted only when confirmed: a progress revision counts once a later
 * request (sent after it arrived) has been answered too. etcd before 3.4.24/3.5.8 answers a progress
 * request out of band of the events (etcd#15220); the confirmation round trip lets events queued
 * meanwhile out first. It answers so even while a watch from the past waits for its catch-up (etcd's
 * loop runs every 100 ms, later at load; a watch with nothing to catch up on gets nothing): such a
 * watch trusts progress once its catch-up batch came, until then only when reads of the range's
 * keys prove the replica has every change up to it (proveCaughtUp). A timer (trust 1 s after the
 * creation) stood for that before: at load etcd caught up later, and a sync resolved early.
 */
export class EtcdFeed {
  private stream: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
  /** The created watch's id on the current stream, once etcd has confirmed it. */
  private watchId: string | undefined;
  /** For a watch from the past: etcd's revision at its creation, which a catch-up batch's header reaches (0: in step, progress may be trusted). */
  private catchUpTo = 0;
  private stopped = false;
  private closed = false;
  private backoff = MIN_BACKOFF_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  /** A progress request is in flight on the current stream. */
  private asking = false;
  /** A proveCaughtUp is under way; the stream whose proof failure was reported. */
  private proving = false;
  private proofWarned: unknown;
  /** The last progress answer, trusted once a later request is answered. */
  private unconfirmed: number | undefined;
  private paceTimer: NodeJS.Timeout | undefined;
  /** Bumped by every drop: a connect that was under way meanwhile cancels its stream. */
  private epoch = 0;
  /** The member the stream is on (or being opened on), and one the next connect is to avoid. */
  private member: Member | undefined;
  private avoid: Member | undefined;

  constructor(
    private readonly members: EtcdMembers,
    private readonly range: { key: Buffer; range_end: Buffer },
    private readonly from: () => number,
    /** Whether someone waits for progress (the feed keeps asking while so). */
    private readonly wantsProgress: () => boolean,
    private readonly h: FeedHandlers,
  ) {}

  /** Opens the stream (resolves once it is requested; breaks are retried in the background). */
  start(): void {
    this.stopped = false;
    void this.connect();
  }

  /** Stops following until `resume()` (the follower reloads). */
  stop(): void {
    this.stopped = true;
    this.drop();
  }

  /**
   * Starts following again from `from()` after onCompacted or stop (the follower has reloaded); with
   * `leaveMember`, on another member than the current one (it stopped sending: frozen, cut off).
   */
  resume(leaveMember = false): void {
    if (this.closed) return;
    if (leaveMember && this.member) {
      this.member.failed();
      this.avoid = this.member;
    }
    this.drop();
    this.start();
  }

  /**
   * Asks etcd for progress (now, or once the watch is connected). A watch on a member in doubt (it failed
   * a request lately, or holds one unanswered) moves to one that is not, first: its progress may never come.
   */
  requestProgress(): void {
    if (this.member?.doubtful && this.members.members.some((m) => m !== this.member && !m.doubtful)) {
      this.h.onWarn(`etcd member ${this.member.endpoint} failed or held a request lately; moving the watch to another member`);
      return this.resume(true);
    }
    if (this.asking || this.paceTimer || !this.stream || this.watchId === undefined) return;
    this.asking = true;
    try {
      this.stream.write({ progress_request: {} });
    } catch (err) {
      this.asking = false;
      this.lost(this.stream, err as Error);
    }
  }

  /** Stops for good. */
  close(): void {
    this.closed = true;
    this.drop();
  }

  private async connect(): Promise<void> {
    if (this.closed || this.stopped) return;
    const epoch = this.epoch;
    let stream: IDuplexStream<IWatchRequest, IWatchResponse>;
    const member = this.members.pick(this.avoid);
    this.avoid = undefined;
    this.member = member;
    try {
      stream = await member.client.watchClient.watch();
    } catch (err) {
      if (epoch !== this.epoch) return;
      member.failed();
      this.avoid = member;
      this.retry(`etcd watch could not connect: ${(err as Error).message}`, err);
      return;
    }
    stream.on('error', (err) => this.lost(stream, err));
    if (this.closed || this.stopped || epoch !== this.epoch || this.stream) return stream.cancel();
    this.stream = stream;
    this.watchId = undefined;
    this.asking = false;
    this.unconfirmed = undefined;
    const start = this.from();
    stream.on('data', (res) => {
      if (stream !== this.stream) return;
      member.ok();
      try {
        this.onData(stream, res, start);
      } catch (err) {
        // Never out of the client's event handler (it would crash the process).
        this.lost(stream, err as Error);
      }
    });
    stream.on('end', () => this.lost(stream, new Error('etcd ended the watch stream')));
    stream.write({ create_request: { ...this.range, start_revision: start, prev_kv: true, progress_notify: true } });
  }

  private onData(stream: IDuplexStream<IWatchRequest, IWatchResponse>, res: IWatchResponse, start: number): void {
    if (res.canceled) {
      const compacted = Number(res.compact_revision ?? 0);
      if (compacted > 0) {
        this.stop();
        this.h.onCompacted(compacted);
        return;
      }
      this.lost(stream, new Error(`etcd cancelled the watch: ${res.cancel_reason || 'no reason given'}`));
      return;
    }
    if (res.created) {
      this.watchId = res.watch_id;
      this.backoff = MIN_BACKOFF_MS;
      // A watch from the past is caught up by etcd in the background; a future one is in step at once.
      const past = start <= Number(res.header.revision);
      this.catchUpTo = past ? Number(res.header.revision) : 0;
      if (this.wantsProgress()) this.requestProgress();
      return;
    }
    if (res.events?.length) {
      if (this.catchUpTo && this.caughtUp(res)) this.catchUpTo = 0;
      return this.h.onEvents(res);
    }
    const revision = Number(res.header.revision);
    // etcd's periodic progress_notify is in band; an answer to our request needs its confirmation, and
    // etcd before 3.4.24 gives it the watch's own id too (newer ones -1): while asking, it is one.
    if (res.watch_id === this.watchId && !this.asking) return this.h.onProgress(revision);
    this.asking = false;
    const trusted = this.catchUpTo === 0;
    if (!trusted) void this.proveCaughtUp(stream, revision);
    const confirmed = this.unconfirmed;
    this.unconfirmed = trusted ? revision : undefined;
    if (confirmed !== undefined) this.h.onProgress(confirmed);
    if (!this.wantsProgress()) return;
    // A fresh answer needs its confirmation at once; otherwise (nothing new, or a catch-up) pace the asking.
    if (trusted && (confirmed === undefined || revision > confirmed)) return this.requestProgress();
    this.paceTimer = setTimeout(() => {
      this.paceTimer = undefined;
      if (this.wantsProgress()) this.requestProgress();
    }, PROGRESS_PACE_MS);
  }

  /**
   * Whether a response ends the catch-up of a watch from the past: etcd sends a catch-up batch with
   * the header of its revision then, and stops a batch at CATCH_UP_BATCH_REVS revisions when more follow.
   */
  private caughtUp(res: IWatchResponse): boolean {
    if (Number(res.header.revision) < this.catchUpTo) return false;
    return new Set(res.events.map((e) => String(e.kv.mod_revision))).size < CATCH_UP_BATCH_REVS;
  }

  /**
   * For a watch from the past not yet caught up, on `stream`: whether the range's keys prove that the
   * replica, at `from() - 1`, has every change up to `upTo` (a progress answer); then it is reported as
   * progress. Needed because etcd sends nothing to a watch with no events to catch up on, and, until
   * its catch-up loop has come to the watch, nothing of later writes either, while it answers progress
   * at once. Proof: the newest modification among the keys alive at `upTo` (one keys-only range sorted
   * by mod revision; a count with min_mod_revision does not do: etcd's count ignores it, etcd#18267)
   * is not after the replica's revision, and as many keys were alive then (so no delete either). A key
   * put and deleted again in between leaves the state as it was: its events still come, later. Nothing
   * is reported when the replica moved meanwhile or a read failed (the next answer tries again).
   */
  private async proveCaughtUp(stream: IDuplexStream<IWatchRequest, IWatchResponse>, upTo: number): Promise<void> {
    const at = this.from() - 1;
    if (this.proving || at >= upTo) return;
    this.proving = true;
    const range = (req: IRangeRequest) =>
      this.members.call((c, deadline) => c.kv.range({ ...this.range, ...req }, { deadline }), {
        deadline: Date.now() + PROOF_MS,
        resend: true,
        stopped: () => stream !== this.stream,
      });
    const count = (revision: number) => range({ revision, count_only: true }).then((r) => Number(r.count));
    const newest = range({ revision: upTo, keys_only: true, sort_target: 'Mod', sort_order: 'Descend', limit: 1 }).then((r) =>
      Number(r.kvs[0]?.mod_revision ?? 0),
    );
    try {
      const [modified, before, after] = await Promise.all([newest, count(at), count(upTo)]);
      if (stream === this.stream && this.catchUpTo !== 0 && this.from() - 1 === at && modified <= at && before === after) this.h.onProgress(upTo);
    } catch (err) {
      // Once per stream: the next answer tries again.
      if (stream === this.stream && this.proofWarned !== stream) this.h.onWarn(`etcd: reading keys to confirm progress failed (${(err as Error).message}); waiting for the watch's catch-up`, err);
      this.proofWarned = stream;
    } finally {
      this.proving = false;
    }
  }

  /** The current stream broke: reconnect from the follower's position after a backoff. */
  private lost(stream: IDuplexStream<IWatchRequest, IWatchResponse>, err: Error): void {
    if (stream !== this.stream || this.closed) return;
    if (this.member) {
      this.member.failed();
      this.avoid = this.member;
    }
    this.drop();
    this.retry(`etcd watch broke (${err.message}); resuming`, err);
  }

  private retry(message: string, err: unknown): void {
    if (this.closed || this.stopped) return;
    // Once per outage, not at every attempt.
    if (this.backoff === MIN_BACKOFF_MS) this.h.onWarn(message, err);
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, wait);
  }

  /** Cancels the current stream and timers. */
  private drop(): void {
    const s = this.stream;
    this.epoch++;
    this.stream = undefined;
    this.watchId = undefined;
    this.asking = false;
    this.unconfirmed = undefined;
    clearTimeout(this.retryTimer);
    clearTimeout(this.paceTimer);
    this.retryTimer = this.paceTimer = undefined;
    s?.cancel();
  }
}
