// Client side of watch streams: one inbox subscription per connection, per-watch sequence
// checks, heartbeat replies, and silence detection. A watch that loses an event ends with a
// reason; the caller (an informer) resumes from its last revision or lists again.
import type { ApiServerStarted, WatchBatch, WatchEvent, WatchHeartbeat, WatchHeartbeatReply, WatchOptions, WatchStarted } from '../api/protocol.ts';
import type { Status } from '../api/status.ts';
import { realClock, type Clock } from './clock.ts';
import type { ApiClient, Scope } from './client.ts';
import { NoRespondersError } from './errors.ts';
import { APISERVER_STARTED, unwatchSubject, watchHeartbeat, watchInbox, watchOwner } from './subjects.ts';
import { currentContext, parseTraceparent, runAsRoot, runHandling, TRACEPARENT } from './trace.ts';
import type { Bus, BusMessage, Subscription } from './types.ts';

/** Header of an API server's reply to a connection holding watches there: the server's run (WatchStarted.instance). The reply stands in for a heartbeat. */
export const WATCH_SERVER_HEADER = 'kubus-watch-server';

/** Why a watch ended: events were lost (gap, silence, reconnect), the server ended it, or the caller did. */
export type WatchEndReason = 'gap' | 'silence' | 'reconnect' | 'expired' | 'error' | 'stopped';

export interface WatchHandlers {
  /** ADDED, MODIFIED, DELETED or BOOKMARK, in order, each exactly once. */
  event(ev: WatchEvent): void;
  /** Called once when the watch ends; no events follow. */
  end(reason: WatchEndReason, status?: Status): void;
}

export interface ClientWatch {
  readonly id: string;
  stop(): void;
}

interface Watch {
  id: string;
  handlers: WatchHandlers;
  lastSeq: number;
  lastHeard: number;
  server?: string;
  instance?: string;
  heartbeatMs: number;
  actor?: string;
  ended: boolean;
}

/** All watches of one bus connection. */
class WatchManager {
  readonly conn: string;
  /** Whose inboxes the events go to: the connection, behind its identity on a locked bus (the API server derives it from the request's subject). */
  private readonly owner: string;
  private readonly watches = new Map<string, Watch>();
  private readonly startListeners = new Set<() => void>();
  private readonly subs: Subscription[];
  private nextId = 0;
  private silenceTimer: unknown;
  private silencePeriod = Infinity;
  /** Servers being probed now (one probe each at a time). */
  private readonly probing = new Set<string>();
  /** When each server run (instance) last answered a request of this connection: heard as a heartbeat is. */
  private readonly answeredAt = new Map<string, number>();
  /** When each server last sent a heartbeat here: a reply stands in only for watches that heartbeat listed. */
  private readonly beatAt = new Map<string, number>();

  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
  ) {
    this.conn = bus.id;
    this.owner = watchOwner(bus.id, bus.identity);
    const inbox = watchInbox(this.owner);
    const hb = watchHeartbeat(this.owner);
    this.subs = runAsRoot(undefined, () => [
      bus.subscribe(`${inbox}.>`, (msg) => (msg.subject === hb ? this.onHeartbeat(msg) : this.onEvents(msg))),
      bus.subscribe(APISERVER_STARTED, (msg) => this.onServerStarted(msg)),
    ]);
    bus.onStatus((s) => {
      if (s === 'reconnected') for (const w of [...this.watches.values()]) this.end(w, 'reconnect');
    });
  }

  async start(client: ApiClient, resource: string, opts: Omit<WatchOptions, 'conn' | 'id'> & Scope, handlers: WatchHandlers): Promise<ClientWatch> {
    const id = String(++this.nextId);
    const w: Watch = {
      id,
      handlers,
      lastSeq: 0,
      lastHeard: this.clock.now(),
      heartbeatMs: 10_000,
      actor: currentContext()?.actor,
      ended: false,
    };
    this.watches.set(id, w); // before the request: events may arrive before its reply
    const { namespace, ...watch } = opts;
    try {
      const r = await client.call<WatchStarted>(resource, 'watch', { namespace, watch: { ...watch, conn: this.conn, id } });
      w.server = r.server;
      w.instance = r.instance;
      w.heartbeatMs = r.heartbeatMs;
      this.armSilenceCheck(r.heartbeatMs);
    } catch (err) {
      this.watches.delete(id);
      throw err;
    }
    return { id, stop: () => this.end(w, 'stopped') };
  }

  private onEvents(msg: BusMessage): void {
    const id = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
    const w = this.watches.get(id);
    if (!w) return;
    const batch = msg.data as WatchBatch;
    if (!batch || !Array.isArray(batch.events)) return;
    w.lastHeard = this.clock.now();
    runHandling({ span: parseTraceparent(msg.headers[TRACEPARENT]), actor: w.actor }, () => {
      for (const ev of batch.events) {
        if (w.ended) return;
        if (ev.seq !== w.lastSeq + 1) return this.end(w, 'gap');
        w.lastSeq = ev.seq;
        if (ev.type === 'ERROR') {
          const status = ev.object as Status;
          return this.end(w, status.code === 410 ? 'expired' : 'error', status, false);
        }
        try {
          w.handlers.event(ev);
        } catch (err) {
          // A handler bug must not kill the stream for others; the informer logs its own errors.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    });
  }

  private onHeartbeat(msg: BusMessage): void {
    const hb = msg.data as WatchHeartbeat;
    const unknown: string[] = [];
    const now = this.clock.now();
    if (hb?.server) this.beatAt.set(hb.server, now);
    for (const [id, seq] of hb?.watches ?? []) {
      const w = this.watches.get(id);
      if (!w) {
        unknown.push(id);
        continue;
      }
      w.lastHeard = now;
      if (seq > w.lastSeq) runHandling({ actor: w.actor }, () => this.end(w, 'gap'));
    }
    if (hb?.bookmark) this.onBookmarks(hb.bookmark, msg);
    if (msg.reply) {
      const reply: WatchHeartbeatReply = { unknown };
      this.bus.respond(msg, reply);
      return;
    }
    // A one-way heartbeat wants no reply: the server hears of watches this side no longer has as of any other end.
    for (const id of unknown) this.unwatch(hb.server, id);
  }

  /** Hands each watch listed a BOOKMARK (not counted in its sequence): it holds every event sent before, or it ended above as a gap. */
  private onBookmarks(bookmark: NonNullable<WatchHeartbeat['bookmark']>, msg: BusMessage): void {
    const span = parseTraceparent(msg.headers[TRACEPARENT]);
    for (const [id, kind, apiVersion] of bookmark.watches) {
      const w = this.watches.get(id);
      if (!w || w.ended) continue;
      const ev: WatchEvent = { type: 'BOOKMARK', object: { kind, apiVersion, metadata: { resourceVersion: bookmark.revision } }, seq: w.lastSeq };
      runHandling({ span, actor: w.actor }, () => {
        try {
          w.handlers.event(ev);
        } catch (err) {
          queueMicrotask(() => {
            throw err;
          });
        }
      });
    }
  }

  /**
   * A new run of an API server serves. When it owns the store alone, the watches of any other run are
   * gone. On a shared store the other replicas' watches live on: only those of an earlier run of
   * this same server end. Runs no watch is on any more: when they last answered is forgotten.
   */
  private onServerStarted(msg: BusMessage): void {
    const started = msg.data as ApiServerStarted;
    for (const w of [...this.watches.values()]) {
      if (w.instance === undefined || w.instance === started?.instance) continue;
      if (started?.shared && w.server !== started.server) continue;
      runHandling({ span: parseTraceparent(msg.headers[TRACEPARENT]), actor: w.actor }, () => this.end(w, 'reconnect', undefined, false));
    }
    const live = new Set([...this.watches.values()].map((w) => w.instance));
    for (const instance of this.answeredAt.keys()) if (!live.has(instance)) this.answeredAt.delete(instance);
    for (const fn of [...this.startListeners]) fn();
  }

  /** Takes a reply from server run `instance` as its heartbeat: its watches heard from it now. */
  answered(instance: string): void {
    this.answeredAt.set(instance, this.clock.now());
  }

  /** Calls `fn` when an API server (a run of one) announces it serves, e.g. so a caller backing off retries at once; returns the cancel. */
  whenServerStarts(fn: () => void): () => void {
    this.startListeners.add(fn);
    return () => this.startListeners.delete(fn);
  }

  /**
   * A server whose heartbeat is overdue (1.25 periods) is probed, and its watches end with
   * 'reconnect' at once when nothing answers on its subject (NATS says "no responders" as soon as its
   * process is gone), so they resume elsewhere within 1.5 periods; a probe of a server that lives
   * costs one request. Watches that heard nothing for three periods end with 'silence' whatever the
   * probes said. Checked when the first watch would become overdue (at least a quarter period on),
   * and every quarter period while one is: not every quarter period of a connection whose server is
   * heard on time (a check per connection every 2.5 s was 150,000 timers an hour at 100 nodes).
   */
  private armSilenceCheck(periodMs: number, delayMs = periodMs / 4): void {
    if (this.silenceTimer !== undefined) {
      // A server with shorter heartbeats (a shared store's) is checked at its pace.
      if (this.silencePeriod <= periodMs) return;
      this.clock.clearTimeout(this.silenceTimer);
    }
    this.silencePeriod = periodMs;
    this.silenceTimer = this.clock.setTimeout(() => {
      this.silenceTimer = undefined;
      const now = this.clock.now();
      let overdue: Set<string> | undefined; // made only when a server is overdue (most checks find every watch heard)
      let next = Infinity;
      for (const w of [...this.watches.values()]) {
        const listed = w.server !== undefined && w.lastHeard >= (this.beatAt.get(w.server) ?? -Infinity);
        const heard = Math.max(w.lastHeard, (listed && w.instance && this.answeredAt.get(w.instance)) || -Infinity);
        const quiet = now - heard;
        if (quiet > 3 * w.heartbeatMs) runHandling({ actor: w.actor }, () => this.end(w, 'silence'));
        else if (quiet > 1.25 * w.heartbeatMs && w.server) (overdue ??= new Set()).add(w.server);
        else next = Math.min(next, heard + 1.25 * w.heartbeatMs + 1);
      }
      for (const server of overdue ?? []) this.probe(server);
      // No due time known (a quiet watch whose server is not known yet): a quarter period, never Infinity (a timer of 1 ms).
      if (this.watches.size) this.armSilenceCheck(periodMs, overdue || !Number.isFinite(next) ? periodMs / 4 : Math.max(periodMs / 4, next - now));
    }, delayMs);
  }

  /** Asks a server whether it lives; on "no responders" its watches end with 'reconnect' (the caller resumes elsewhere). */
  private probe(server: string): void {
    if (this.probing.has(server)) return;
    const period = Math.max(...[...this.watches.values()].filter((w) => w.server === server).map((w) => w.heartbeatMs), 1);
    let reply: Promise<unknown>;
    try {
      reply = runAsRoot(undefined, () => this.bus.request(unwatchSubject(server, this.bus.identity), { probe: true }, { timeoutMs: period }));
    } catch {
      return; // the bus is closed: nothing to resume on anyway
    }
    this.probing.add(server);
    reply
      .then(
        () => {},
        (err: unknown) => {
          // A timeout or a lost connection proves nothing: the silence rule decides then.
          if (!(err instanceof NoRespondersError)) return;
          for (const w of [...this.watches.values()])
            if (w.server === server) runHandling({ actor: w.actor }, () => this.end(w, 'reconnect', undefined, false));
        },
      )
      .finally(() => this.probing.delete(server));
  }

  private end(w: Watch, reason: WatchEndReason, status?: Status, tellServer = true): void {
    if (w.ended) return;
    w.ended = true;
    this.watches.delete(w.id);
    if (tellServer && w.server) this.unwatch(w.server, w.id);
    if (this.watches.size === 0 && this.silenceTimer !== undefined) {
      this.clock.clearTimeout(this.silenceTimer);
      this.silenceTimer = undefined;
    }
    w.handlers.end(reason, status);
  }

  /** Tells `server` this side no longer holds watch `id`. */
  private unwatch(server: string, id: string): void {
    try {
      this.bus.publish(unwatchSubject(server, this.bus.identity), { conn: this.owner, id });
    } catch {
      // the bus is closed: the server drops the watch at its next heartbeat that asks for a reply
    }
  }

  close(): void {
    for (const sub of this.subs) sub.unsubscribe();
  }
}

const managers = new WeakMap<Bus, WatchManager>();

/** Notes a reply that names the server run it came from (WATCH_SERVER_HEADER), for the watches this connection holds there. */
export function answeredBy(bus: Bus, instance: string): void {
  managers.get(bus)?.answered(instance);
}

/** Returns the watch manager of a bus connection (one inbox subscription for all its watches). */
export function watchManager(bus: Bus, clock: Clock = realClock): WatchManager {
  let m = managers.get(bus);
  if (!m) managers.set(bus, (m = new WatchManager(bus, clock)));
  return m;
}
