// Server side of watches: one store watch fans out to every client watch, filtered on the
// server (pods by node through an index). Sequence numbers and batching are watch-sender.ts's;
// bookmarks and the heartbeats that drop watches whose client is gone, watch-liveness.ts's.
import type { KubeObject } from '../../api/meta.ts';
import type { ResourceDef } from '../../api/resource.ts';
import type { WatchOptions } from '../../api/protocol.ts';
import { expired, type Status } from '../../api/status.ts';
import { watchEvents } from '../../bus/subjects.ts';
import { currentContext, runHandling, type HandlingContext } from '../../bus/trace.ts';
import type { ObjectFilter } from './filters.ts';
import { REGISTRY_PREFIX, resourceOfKey, resourcePrefix } from './keys.ts';
import { tooLargeResourceVersion } from './list-revision.ts';
import { Change, EventObjects } from './event-objects.ts';
import { fromKV } from './objects.ts';
import { CompactedError, type KeyValue, type Store, type StoreEvent } from './store/store.ts';
import { WatchEnds } from './watch-ends.ts';
import { WatchLiveness, type LivenessOptions, type WatchesByConn } from './watch-liveness.ts';
import { PodsByNode, WatchIndex } from './watch-index.ts';
import { WatchSender, type ServerWatch } from './watch-sender.ts';

export interface HubOptions extends LivenessOptions {
  /** How long a watch from a revision the server has not reached yet may wait. */
  catchUpMs?: number;
  /** Events per message when sending the initial state. */
  initialBatch?: number;
  /** A busy watch sends at most one message per this many ms (default 10). */
  batchMs?: number;
  /**
   * History kept when writes outrun the timed compaction (a burst at one instant): past this many
   * revisions and a quarter, a store only this server writes is compacted down to this many (default 20,000).
   */
  historyRevisions?: number;
}

/** About 45 MiB of pod history (2.3 kB a revision): a watch resuming within the last 20,000 writes still replays. */
export const DEFAULT_HISTORY_REVISIONS = 20_000;

const PODS = 'pods';

/** Holds every client watch of this API server instance. */
export class WatchHub {
  /** The last store revision dispatched to watches (everything at or below it is durable). */
  position: number;
  private readonly index = new WatchIndex();
  private readonly byConn: WatchesByConn = new Map();
  private readonly waiting: Array<{ until: number; run: () => void; fail: () => void; closed?: () => void; timer: unknown }> = [];
  /** Keys of pods per spec.nodeName ('' = unscheduled), so node-filtered lists and watches skip other nodes. */
  readonly podsByNode = new PodsByNode();
  private cancel: () => void;
  /** What events of a write made outside any request are sent as: new traces from the API server. */
  private readonly root: HandlingContext;
  private readonly sender: WatchSender;
  /** Events' objects, shareable by every watch of them and by the write's reply. */
  private readonly objects: EventObjects;
  /** What runs when each watch ends (its audit's ResponseComplete): whenEnded. */
  private readonly ends = new WatchEnds();
  private live: WatchLiveness | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: HubOptions,
  ) {
    this.position = store.revision;
    this.root = { actor: opts.serverId };
    this.sender = new WatchSender({ ...opts, root: this.root });
    this.objects = new EventObjects(opts.bus);
    this.podsByNode.load(this.store);
    this.cancel = this.follow();
  }

  /** Watches the store from position; when the store ends the watch itself, restarts. */
  private follow(): () => void {
    return this.store.watch(REGISTRY_PREFIX, this.position, (ev) => this.onStoreEvent(ev), (err) => this.restart(err));
  }

  /** The store ended the hub's watch (its replica reloaded, history gone): every watch gets 410 Expired and relists; the hub follows anew. */
  private restart(err: CompactedError): void {
    this.opts.log.warn({ err: err.message, watches: this.size }, 'store reloaded: ending every watch with 410 Expired');
    const status = expired(`the API server's cache was reloaded from the store (${err.message}); list again`).status;
    for (const m of [...this.byConn.values()]) for (const w of [...m.values()]) this.fail(w, status);
    this.podsByNode.clear();
    this.podsByNode.load(this.store);
    this.position = this.store.revision;
    this.cancel = this.follow();
    // Watches waiting for a revision now reached replay from it: their history is gone, so they get 410 too.
    this.runReached();
  }

  /** The API object to reply to the write that stored `kv` (EventObjects.forReply). */
  objectOf(kv: KeyValue): KubeObject {
    return this.objects.forReply(kv);
  }

  get heartbeatMs(): number {
    return this.opts.heartbeatMs;
  }

  get size(): number {
    let n = 0;
    for (const m of this.byConn.values()) n += m.size;
    return n;
  }

  /** Starts a watch; sends the initial events (or history) and then every matching change. */
  start(def: ResourceDef, namespace: string | undefined, opts: WatchOptions, filter: ObjectFilter, fromRV: number | undefined): void {
    const w: ServerWatch = {
      conn: opts.conn,
      id: opts.id,
      subject: watchEvents(opts.conn, opts.id),
      def,
      prefix: resourcePrefix(def, namespace),
      filter,
      bookmarks: opts.allowWatchBookmarks === true,
      seq: 0,
      pending: [],
      misses: 0,
      sentAt: -Infinity,
      sentSeq: 0,
    };
    this.stop(w.conn, w.id);
    this.ends.started(w.conn, w.id);
    if (fromRV === undefined) {
      this.sendInitial(w);
      this.register(w);
      return;
    }
    // Below the compacted revision, replay still serves a resource none of whose events were dropped (or fails with 410).
    const begin = () => {
      if (this.replay(w, fromRV)) this.register(w);
    };
    if (fromRV <= this.position) return begin();
    // The client saw a revision this server has not dispatched yet (another replica wrote it, or the
    // write is not durable here yet): wait a little for it, as upstream's cacher does.
    this.await(fromRV, begin, () => this.fail(w, tooLargeResourceVersion(fromRV, this.position).status));
  }

  /**
   * Resolves true once every write up to `revision` has been dispatched here (reads of the cache at
   * hub.position then see it), or false after `catchUpMs` (upstream's 3 s): a read's freshness barrier.
   */
  reach(revision: number): Promise<boolean> {
    if (revision <= this.position) return Promise.resolve(true);
    return new Promise((resolve) => this.await(revision, () => resolve(true), () => resolve(false), () => resolve(false)));
  }

  /** Runs `run` once position reaches `until`, or `fail` after catchUpMs (`closed` when the hub closes first). */
  private await(until: number, run: () => void, fail: () => void, closed?: () => void): void {
    const entry = { until, run, fail, closed, timer: undefined as unknown };
    entry.timer = this.opts.clock.setTimeout(() => {
      const i = this.waiting.indexOf(entry);
      if (i >= 0) this.waiting.splice(i, 1);
      entry.fail();
    }, this.opts.catchUpMs ?? 3000);
    // Kept in order of revision: dispatch runs them from the front.
    let i = this.waiting.length;
    while (i > 0 && this.waiting[i - 1].until > until) i--;
    this.waiting.splice(i, 0, entry);
  }

  /** Runs `fn` once the watch ends: stopped, failed, its client gone or the hub closed (at once if it has). */
  whenEnded = (conn: string, id: string, fn: () => void): void => this.ends.whenEnded(conn, id, fn);

  /** Stops one watch (the client asked, or went away; also one still waiting for its revision). */
  stop(conn: string, id: string): void {
    this.ends.ended(conn, id);
    const w = this.byConn.get(conn)?.get(id);
    if (!w) return;
    this.byConn.get(conn)!.delete(id);
    if (this.byConn.get(conn)!.size === 0) this.byConn.delete(conn);
    this.index.delete(w);
    this.sender.forget(w);
  }

  private register(w: ServerWatch): void {
    this.index.add(w);
    this.byConn.set(w.conn, (this.byConn.get(w.conn) ?? new Map<string, ServerWatch>()).set(w.id, w));
  }

  private sendInitial(w: ServerWatch): void {
    const batch = this.opts.initialBatch ?? 500;
    const emit = (obj: KubeObject) => {
      if (!w.filter.matches(obj)) return;
      this.sender.push(w, 'ADDED', obj);
      if (w.pending.length >= batch) this.sender.flushOne(w);
    };
    if (w.def.plural === PODS && w.filter.nodeName !== undefined) {
      // A node's pods come from the index, not from a scan of every pod.
      for (const key of this.podsByNode.get(w.filter.nodeName) ?? []) {
        if (!key.startsWith(w.prefix)) continue;
        const kv = this.store.get(key);
        if (kv && kv.modRevision <= this.position) emit(fromKV(kv));
      }
      return;
    }
    // One object by name (in one namespace, or cluster-scoped): read its key, not the whole resource.
    const exact = w.filter.name !== undefined && (!w.def.namespaced || w.prefix.split('/').length > 4);
    const prefix = exact ? w.prefix + w.filter.name : w.prefix;
    for (const kv of this.store.range(prefix, { revision: this.position }).kvs) emit(fromKV(kv));
  }

  /** Sends the watch what happened after fromRV; false (and 410 sent) when compaction dropped some of it. */
  private replay(w: ServerWatch, fromRV: number): boolean {
    try {
      for (const ev of this.store.history(w.prefix, fromRV, this.position)) this.dispatchTo(w, new Change(ev, this.objects));
      return true;
    } catch (err) {
      if (!(err instanceof CompactedError)) throw err;
      this.fail(w, expired(`too old resource version: ${fromRV} (${err.compacted})`).status);
      return false;
    }
  }

  /** The store hands events over in a later microtask: each goes out in the context of its own write. */
  private onStoreEvent(ev: StoreEvent): void {
    const ctx = ev.cause ?? this.root;
    if (ctx !== currentContext()) runHandling(ctx, () => this.dispatch(ev));
    else this.dispatch(ev);
  }

  private dispatch(ev: StoreEvent): void {
    this.position = ev.revision;
    const resource = resourceOfKey(ev.kv.key);
    if (resource === PODS) this.podsByNode.apply(ev);
    const change = new Change(ev, this.objects);
    this.index.route(ev, resource, (w) => this.dispatchTo(w, change));
    this.runReached();
    this.boundHistory();
  }

  /**
   * Compacts on size, not only every 5 minutes: only revisions every live watch has been sent
   * (below position), keeping `historyRevisions` of them so that a watch resuming from a recent
   * revision replays instead of relisting. A shared store is left to its own compaction.
   */
  private boundHistory(): void {
    const keep = this.opts.historyRevisions ?? DEFAULT_HISTORY_REVISIONS;
    // A quarter over, not twice: the history is the largest thing a burst keeps, and each compaction costs only what it drops.
    if (this.position - this.store.compactedRevision <= keep + keep / 4 || this.store.sync) return;
    try {
      this.store.compact(this.position - keep);
      this.opts.log.debug({ revision: this.position - keep }, 'compacted: history passed its size bound');
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'could not compact history on size');
    }
  }

  /** Runs what waits for a revision position has reached (in revision order). */
  private runReached(): void {
    while (this.waiting.length && this.waiting[0].until <= this.position) {
      const e = this.waiting.shift()!;
      this.opts.clock.clearTimeout(e.timer);
      e.run();
    }
  }

  /** Sends a watch the event as its selectors see it: matching before and after (MODIFIED), only after (ADDED), only before (DELETED). */
  private dispatchTo(w: ServerWatch, change: Change): void {
    const ev = change.ev;
    if (!ev.kv.key.startsWith(w.prefix)) return;
    // Selectors never look at resourceVersion: they test the stored values, and only the event sent is built.
    const was = ev.prev !== undefined && w.filter.matches(ev.prev.value as KubeObject);
    const is = ev.type === 'put' && w.filter.matches(ev.kv.value as KubeObject);
    if (is) this.sender.push(w, was ? 'MODIFIED' : 'ADDED', change.object);
    else if (was) this.sender.push(w, 'DELETED', change.object);
  }

  private fail(w: ServerWatch, status: Status): void {
    this.sender.push(w, 'ERROR', status);
    this.sender.flushOne(w);
    this.stop(w.conn, w.id);
  }

  /** Sends each watch that asked for bookmarks a BOOKMARK at the current revision. */
  bookmark(): void {
    this.liveness.bookmark(this.byConn, this.sender, this.position);
  }

  /** The heartbeats, and the replies that stand in for them (watch-liveness.ts). */
  get liveness(): WatchLiveness {
    return (this.live ??= new WatchLiveness(this.opts));
  }

  /** Tells each client connection this server lives (every third time asking which watches it still holds); drops those it doesn't. */
  heartbeat(): void {
    this.liveness.beat(this.byConn, (conn, id) => this.stop(conn, id));
  }

  close(): void {
    this.cancel();
    for (const e of this.waiting.splice(0)) {
      this.opts.clock.clearTimeout(e.timer);
      e.closed?.();
    }
    this.byConn.clear();
    this.index.clear();
    this.ends.endAll();
  }
}
