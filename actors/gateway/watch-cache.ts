// Shared watches, as upstream's watch cache: one bus watch per (resource, namespace, selectors)
// fans out to every HTTP watch of it, each event is rendered once per output form, and a bounded
// ring of recent events serves a watch that starts from a recent resourceVersion. The ring holds
// only what the gateway saw since its first watcher came: nothing survives a gateway restart.
// When the bus watch ends (lost events, an API server restart), every watch of it ends as its own
// would have (clients list again); a new shared watch starts with the next watcher.
import type { WatchEvent } from '../../api/protocol.ts';
import type { Status } from '../../api/status.ts';
import type { Logger } from '../../bus/types.ts';
import type { ClientWatch, WatchEndReason, WatchHandlers } from '../../bus/watch-client.ts';

/** How many unsent bytes a watch response may hold when its next event comes (upstream too cuts watchers that fall behind). */
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface WatchCacheOptions {
  /** Recent events kept per shared watch for watchers that start from a recent resourceVersion (default 1,000). */
  ringSize?: number;
  /** A response still holding more unsent bytes than this when the next event comes is a slow client: its watch is cut (default 8 MiB). */
  maxBufferedBytes?: number;
}

/** One event of a shared watch, with its JSON line per output form, rendered on first use. */
export class CachedEvent {
  /** The first form asked for (most watchers of a resource ask the same), then any others. */
  private firstKey?: string;
  private first?: Buffer;
  private others?: Map<string, Buffer>;

  constructor(
    readonly ev: WatchEvent,
    readonly rv: number,
  ) {}

  /** Returns the event's line in the form `key` names; `make` renders it the first time only. */
  line(key: string, make: () => string): Buffer {
    if (key === this.firstKey) return this.first!;
    if (this.firstKey === undefined) {
      this.first = Buffer.from(make());
      this.firstKey = key;
      return this.first;
    }
    let b = (this.others ??= new Map()).get(key);
    if (!b) this.others.set(key, (b = Buffer.from(make())));
    return b;
  }
}

/** One HTTP watch on a shared watch. */
export interface FeedWatcher {
  /** Each event in order, from the ring and then live; BOOKMARKs too (the watcher decides). */
  event(e: CachedEvent): void;
  /** The shared watch ended; no events follow. */
  end(status?: Status): void;
}

/** What a joiner is told: it is on the shared watch, or must open a bus watch of its own. */
export type Joined = { stop(): void } | undefined;

/** One bus watch and its watchers. */
class Feed {
  readonly ring: CachedEvent[] = [];
  /** Every event after this resourceVersion is in the ring (or yet to come). */
  floor: number;
  readonly watchers = new Set<FeedWatcher>();
  joining = 0;
  ended = false;
  watch?: ClientWatch;
  ready!: Promise<void>;

  constructor(
    readonly key: string,
    readonly from: number,
  ) {
    this.floor = from;
  }
}

const rvOf = (ev: WatchEvent): number => Number((ev.object as { metadata?: { resourceVersion?: string } })?.metadata?.resourceVersion);

/** All shared watches of one gateway. */
export class WatchCache {
  private readonly feeds = new Map<string, Feed>();
  readonly ringSize: number;
  readonly maxBufferedBytes: number;

  constructor(
    private readonly log: Logger,
    opts: WatchCacheOptions = {},
  ) {
    this.ringSize = opts.ringSize ?? 1000;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  }

  /** Shared watches open now (for tests and status). */
  get size(): number {
    return this.feeds.size;
  }

  /** HTTP watches on shared watches now. */
  get watching(): number {
    let n = 0;
    for (const f of this.feeds.values()) n += f.watchers.size;
    return n;
  }

  /**
   * Puts a watcher from resourceVersion `from` on the shared watch `key`, opening it with `open`
   * (a bus watch from `from`) when there is none. Resolves undefined when the watcher must open
   * its own bus watch (its rv is older than the ring, or the shared watch failed or ended); throws
   * the bus watch's error when the shared watch was opened from this same rv and failed.
   */
  async join(key: string, from: number, open: (h: WatchHandlers) => Promise<ClientWatch>, w: FeedWatcher): Promise<Joined> {
    let feed = this.feeds.get(key);
    if (feed && from < feed.floor) return undefined;
    if (!feed) feed = this.start(key, from, open);
    feed.joining++;
    try {
      await feed.ready;
    } catch (err) {
      if (from === feed.from) throw err;
      return undefined;
    } finally {
      feed.joining--;
    }
    // The ring moved past this rv while the watch started, or the watch ended meanwhile.
    if (feed.ended || from < feed.floor) {
      this.idle(feed);
      return undefined;
    }
    for (const e of feed.ring) if (e.rv > from) this.deliver(w, e);
    feed.watchers.add(w);
    const f = feed;
    return { stop: () => this.leave(f, w) };
  }

  private start(key: string, from: number, open: (h: WatchHandlers) => Promise<ClientWatch>): Feed {
    const feed = new Feed(key, from);
    this.feeds.set(key, feed);
    feed.ready = open({ event: (ev) => this.onEvent(feed, ev), end: (reason, status) => this.onEnd(feed, reason, status) }).then(
      (watch) => {
        feed.watch = watch;
        if (feed.ended) watch.stop();
      },
      (err: unknown) => {
        this.drop(feed);
        throw err;
      },
    );
    // Joiners handle the failure; this keeps an unawaited rejection from being reported.
    feed.ready.catch(() => {});
    return feed;
  }

  private onEvent(feed: Feed, ev: WatchEvent): void {
    const e = new CachedEvent(ev, rvOf(ev));
    if (ev.type !== 'BOOKMARK') {
      feed.ring.push(e);
      if (feed.ring.length > this.ringSize) feed.floor = feed.ring.shift()!.rv;
    }
    for (const w of feed.watchers) this.deliver(w, e);
  }

  /** One watcher's failure (a render error, a closed socket) must not stop the others. */
  private deliver(w: FeedWatcher, e: CachedEvent): void {
    try {
      w.event(e);
    } catch (err) {
      this.log.error({ err }, 'watch event not delivered');
    }
  }

  private onEnd(feed: Feed, reason: WatchEndReason, status?: Status): void {
    if (reason !== 'stopped') this.log.debug({ key: feed.key, reason }, 'shared watch ended');
    this.drop(feed);
    for (const w of [...feed.watchers]) w.end(status);
    feed.watchers.clear();
  }

  private leave(feed: Feed, w: FeedWatcher): void {
    feed.watchers.delete(w);
    this.idle(feed);
  }

  /** A shared watch nobody uses or waits for is stopped (the API server then sends it nothing). */
  private idle(feed: Feed): void {
    if (feed.watchers.size > 0 || feed.joining > 0) return;
    this.drop(feed);
    feed.watch?.stop();
  }

  private drop(feed: Feed): void {
    feed.ended = true;
    if (this.feeds.get(feed.key) === feed) this.feeds.delete(feed.key);
  }
}
