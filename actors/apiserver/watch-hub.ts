// Server side of watches: one store watch fans out to every client watch, filtered on the
// server (pods by node through an index), with per-watch sequence numbers, batching,
// bookmarks, and heartbeats that drop watches whose client is gone.
import type { KubeObject } from '../../api/meta.ts';
import type { ResourceDef } from '../../api/resource.ts';
import type { WatchBatch, WatchEvent, WatchHeartbeat, WatchHeartbeatReply, WatchOptions } from '../../api/protocol.ts';
import { expired, timeout, type Status } from '../../api/status.ts';
import type { Clock } from '../../bus/clock.ts';
import { BusClosedError, NoRespondersError } from '../../bus/errors.ts';
import { watchEvents, watchHeartbeat } from '../../bus/subjects.ts';
import { currentContext, runAsRoot, runHandling, type HandlingContext } from '../../bus/trace.ts';
import type { Bus, Logger } from '../../bus/types.ts';
import type { ObjectFilter } from './filters.ts';
import { REGISTRY_PREFIX, resourceOfKey, resourcePrefix } from './keys.ts';
import { fromKV } from './objects.ts';
import { CompactedError, type Store, type StoreEvent } from './store/store.ts';

export interface HubOptions {
  bus: Bus;
  clock: Clock;
  log: Logger;
  serverId: string;
  heartbeatMs: number;
  /** How long a watch from a revision the server has not reached yet may wait. */
  catchUpMs?: number;
  /** Events per message when sending the initial state. */
  initialBatch?: number;
  /** A busy watch sends at most one message per this many ms (default 10). */
  batchMs?: number;
}

interface ServerWatch {
  conn: string;
  id: string;
  subject: string;
  def: ResourceDef;
  prefix: string;
  filter: ObjectFilter;
  bookmarks: boolean;
  seq: number;
  pending: WatchEvent[];
  /** The trace context of the first pending event: the batch is sent as its child. */
  pendingCtx?: HandlingContext;
  misses: number;
  /** When this watch last sent a message, and its timer while it collects a batch. */
  sentAt: number;
  batchTimer?: unknown;
  /** Sequence number of the last event sent (heartbeats report this, not events still queued). */
  sentSeq: number;
}

interface ResourceWatches {
  all: Set<ServerWatch>;
  byNode: Map<string, Set<ServerWatch>>;
  /** Watches of one object by name (a kubelet's own Node): an event reaches only those. */
  byName: Map<string, Set<ServerWatch>>;
}

const PODS = 'pods';
const nodeOf = (obj: KubeObject | undefined) => ((obj?.spec as { nodeName?: string } | undefined)?.nodeName ?? '');

/** Holds every client watch of this API server instance. */
export class WatchHub {
  /** The last store revision dispatched to watches (everything at or below it is durable). */
  position: number;
  private readonly byResource = new Map<string, ResourceWatches>();
  private readonly byConn = new Map<string, Map<string, ServerWatch>>();
  private readonly dirty = new Set<ServerWatch>();
  private flushQueued = false;
  private readonly waiting: Array<{ until: number; run: () => void; fail: () => void; timer: unknown }> = [];
  /** Keys of pods per spec.nodeName ('' = unscheduled), so node-filtered lists and watches skip other nodes. */
  readonly podsByNode = new Map<string, Set<string>>();
  private readonly cancel: () => void;
  /** What events of a write made outside any request are sent as: new traces from the API server. */
  private readonly root: HandlingContext;

  constructor(
    private readonly store: Store,
    private readonly opts: HubOptions,
  ) {
    this.position = store.revision;
    this.root = { actor: opts.serverId };
    for (const kv of store.range(`${REGISTRY_PREFIX}${PODS}/`).kvs) this.indexPod(kv.key, undefined, nodeOf(kv.value as KubeObject));
    this.cancel = store.watch(REGISTRY_PREFIX, this.position, (ev) => this.onStoreEvent(ev));
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
    if (fromRV === undefined) {
      this.sendInitial(w);
      this.register(w);
      return;
    }
    if (fromRV < this.store.compactedRevision) {
      this.fail(w, expired(`too old resource version: ${fromRV} (${this.store.compactedRevision})`).status);
      return;
    }
    const begin = () => {
      this.replay(w, fromRV);
      this.register(w);
    };
    if (fromRV <= this.position) return begin();
    // The client saw a revision this server has not dispatched yet: wait a little for it, as upstream does.
    const entry = {
      until: fromRV,
      run: begin,
      fail: () => this.fail(w, timeout(`Too large resource version: ${fromRV}, current: ${this.position}`).status),
      timer: undefined as unknown,
    };
    entry.timer = this.opts.clock.setTimeout(() => {
      const i = this.waiting.indexOf(entry);
      if (i >= 0) this.waiting.splice(i, 1);
      entry.fail();
    }, this.opts.catchUpMs ?? 3000);
    this.waiting.push(entry);
  }

  /** Stops one watch (the client asked, or went away). */
  stop(conn: string, id: string): void {
    const w = this.byConn.get(conn)?.get(id);
    if (!w) return;
    this.byConn.get(conn)!.delete(id);
    if (w.batchTimer !== undefined) this.opts.clock.clearTimeout(w.batchTimer);
    if (this.byConn.get(conn)!.size === 0) this.byConn.delete(conn);
    const rw = this.byResource.get(w.def.plural);
    rw?.all.delete(w);
    if (w.filter.nodeName !== undefined) rw?.byNode.get(w.filter.nodeName)?.delete(w);
    if (w.filter.name !== undefined) rw?.byName.get(w.filter.name)?.delete(w);
    this.dirty.delete(w);
  }

  private register(w: ServerWatch): void {
    let rw = this.byResource.get(w.def.plural);
    if (!rw) this.byResource.set(w.def.plural, (rw = { all: new Set(), byNode: new Map(), byName: new Map() }));
    const index = (map: Map<string, Set<ServerWatch>>, key: string) => {
      let s = map.get(key);
      if (!s) map.set(key, (s = new Set()));
      s.add(w);
    };
    if (w.def.plural === PODS && w.filter.nodeName !== undefined) index(rw.byNode, w.filter.nodeName);
    else if (w.filter.name !== undefined) index(rw.byName, w.filter.name);
    else rw.all.add(w);
    let m = this.byConn.get(w.conn);
    if (!m) this.byConn.set(w.conn, (m = new Map()));
    m.set(w.id, w);
  }

  private sendInitial(w: ServerWatch): void {
    const batch = this.opts.initialBatch ?? 500;
    const emit = (obj: KubeObject) => {
      if (!w.filter.matches(obj)) return;
      this.push(w, 'ADDED', obj);
      if (w.pending.length >= batch) this.flushOne(w);
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

  private replay(w: ServerWatch, fromRV: number): void {
    try {
      for (const ev of this.store.history(w.prefix, fromRV, this.position)) this.dispatchTo(w, ev);
    } catch (err) {
      if (!(err instanceof CompactedError)) throw err;
      this.fail(w, expired(`too old resource version: ${fromRV} (${err.compacted})`).status);
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
    if (resource === PODS) {
      const prevNode = ev.prev ? nodeOf(ev.prev.value as KubeObject) : undefined;
      this.indexPod(ev.kv.key, prevNode, ev.type === 'put' ? nodeOf(ev.kv.value as KubeObject) : undefined);
    }
    const rw = this.byResource.get(resource);
    if (rw) {
      for (const w of rw.all) this.dispatchTo(w, ev);
      if (rw.byNode.size) {
        const a = ev.type === 'put' ? nodeOf(ev.kv.value as KubeObject) : undefined;
        const b = ev.prev ? nodeOf(ev.prev.value as KubeObject) : undefined;
        for (const node of a === b || b === undefined ? [a] : a === undefined ? [b] : [a, b]) {
          if (node === undefined) continue;
          for (const w of rw.byNode.get(node) ?? []) this.dispatchTo(w, ev);
        }
      }
      if (rw.byName.size) {
        const name = (ev.kv.value as KubeObject).metadata.name;
        for (const w of (name && rw.byName.get(name)) || []) this.dispatchTo(w, ev);
      }
    }
    while (this.waiting.length && this.waiting[0].until <= this.position) {
      const e = this.waiting.shift()!;
      this.opts.clock.clearTimeout(e.timer);
      e.run();
    }
  }

  private indexPod(key: string, from: string | undefined, to: string | undefined): void {
    if (from === to) return;
    if (from !== undefined) this.podsByNode.get(from)?.delete(key);
    if (to !== undefined) {
      let s = this.podsByNode.get(to);
      if (!s) this.podsByNode.set(to, (s = new Set()));
      s.add(key);
    }
  }

  private dispatchTo(w: ServerWatch, ev: StoreEvent): void {
    if (!ev.kv.key.startsWith(w.prefix)) return;
    const cur = ev.type === 'put' ? fromKV(ev.kv) : undefined;
    const prev = ev.prev ? fromKV(ev.prev) : undefined;
    const was = prev !== undefined && w.filter.matches(prev);
    const is = cur !== undefined && w.filter.matches(cur);
    if (ev.type === 'delete') {
      if (was) this.push(w, 'DELETED', fromKV(ev.kv));
    } else if (is) this.push(w, was ? 'MODIFIED' : 'ADDED', cur!);
    else if (was) this.push(w, 'DELETED', cur!);
  }

  /**
   * Queues an event. A watch that sent nothing for `batchMs` sends at the end of this turn (low
   * latency); a busy one collects events for up to `batchMs` per message, so 500 lease renewals/s
   * reach the node controller in ~100 messages, not 500.
   */
  private push(w: ServerWatch, type: WatchEvent['type'], object: KubeObject | Status): void {
    const ctx = currentContext();
    // A quiet watch sends events with different causes (writes of one turn) apart, each as the
    // child of its own write; a busy one batches them under the first.
    if (w.pending.length && w.batchTimer === undefined && w.pendingCtx?.span?.spanId !== ctx?.span?.spanId) this.flushOne(w);
    if (!w.pending.length) w.pendingCtx = ctx;
    w.pending.push({ type, object, seq: ++w.seq });
    if (w.batchTimer !== undefined) return;
    const batchMs = this.opts.batchMs ?? 10;
    const wait = w.sentAt + batchMs - this.opts.clock.now();
    if (wait > 0 && type !== 'ERROR') {
      w.batchTimer = this.opts.clock.setTimeout(() => {
        w.batchTimer = undefined;
        this.flushOne(w);
      }, wait);
      return;
    }
    this.dirty.add(w);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    for (const w of this.dirty) this.flushOne(w);
    this.dirty.clear();
  }

  private flushOne(w: ServerWatch): void {
    if (!w.pending.length) return;
    const ctx = w.pendingCtx ?? this.root;
    if (ctx !== currentContext()) return runHandling(ctx, () => this.send(w));
    this.send(w);
  }

  private send(w: ServerWatch): void {
    w.sentAt = this.opts.clock.now();
    w.sentSeq = w.pending[w.pending.length - 1].seq;
    const batch: WatchBatch = { events: w.pending };
    w.pending = [];
    try {
      this.opts.bus.publish(w.subject, batch);
    } catch (err) {
      // On the way down (the bus closed before the last batch went out) this is expected.
      const level = err instanceof BusClosedError ? 'debug' : 'warn';
      this.opts.log[level]({ watch: w.subject, err: (err as Error).message }, 'could not send watch events');
    }
  }

  private fail(w: ServerWatch, status: Status): void {
    this.push(w, 'ERROR', status);
    this.flushOne(w);
    this.stop(w.conn, w.id);
  }

  /** Sends each watch that asked for bookmarks a BOOKMARK at the current revision. */
  bookmark(): void {
    runAsRoot(this.opts.serverId, () => {
      for (const m of this.byConn.values())
        for (const w of m.values()) {
          if (!w.bookmarks) continue;
          const kind = w.def.kind;
          this.push(w, 'BOOKMARK', {
            kind,
            apiVersion: w.def.apiVersion,
            metadata: { resourceVersion: String(this.position) },
          });
        }
    });
  }

  /** Asks each client connection whether it still holds its watches; drops those it doesn't. */
  heartbeat(): void {
    runAsRoot(this.opts.serverId, () => {
      for (const [conn, watches] of this.byConn) {
        const body: WatchHeartbeat = { server: this.opts.serverId, watches: [...watches.values()].map((w) => [w.id, w.sentSeq]) };
        this.opts.bus
          .request<WatchHeartbeatReply>(watchHeartbeat(conn), body, { timeoutMs: this.opts.heartbeatMs })
          .then((r) => {
            for (const w of watches.values()) w.misses = 0;
            for (const id of r.data?.unknown ?? []) this.stop(conn, id);
          })
          .catch((err: Error) => {
            const gone = err instanceof NoRespondersError;
            for (const w of [...watches.values()]) {
              if (gone || ++w.misses >= 3) this.stop(conn, w.id);
            }
            if (gone) this.opts.log.debug({ conn }, 'watch client gone; dropped its watches');
          });
      }
    });
  }

  close(): void {
    this.cancel();
    for (const e of this.waiting) this.opts.clock.clearTimeout(e.timer);
    this.waiting.length = 0;
    this.byConn.clear();
    this.byResource.clear();
  }
}
