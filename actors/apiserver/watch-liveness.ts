// Keeping client watches alive and honest: BOOKMARKs for the watches that asked for them, and
// heartbeats that drop the watches of a client that is gone or no longer holds them (a reply asked
// for every third); none to a client this server answered within the period and sent nothing new.
import { WARNINGS_HEADER, type WatchHeartbeat, type WatchHeartbeatReply } from '../../api/protocol.ts';
import type { Clock } from '../../bus/clock.ts';
import { NoRespondersError } from '../../bus/errors.ts';
import { watchHeartbeat } from '../../bus/subjects.ts';
import { runAsRoot } from '../../bus/trace.ts';
import type { Bus, Headers, Logger } from '../../bus/types.ts';
import { WATCH_SERVER_HEADER } from '../../bus/watch-client.ts';
import type { ServerWatch, WatchSender } from './watch-sender.ts';

/** Client watches by connection, then by watch id, as the hub holds them. */
export type WatchesByConn = Map<string, Map<string, ServerWatch>>;

/**
 * Sends each watch that asked for bookmarks a BOOKMARK at revision `position`. Those with nothing
 * queued get it in one one-way heartbeat per connection (the client hands it to each of them once it
 * holds every event the heartbeat counts, so no bookmark passes an event below it), not a message
 * each; a watch with events still queued gets it in its stream, after them. Returns the connections
 * sent a heartbeat.
 */
export function sendBookmarks(opts: { bus: Bus; log: Logger; serverId: string }, byConn: WatchesByConn, sender: WatchSender, position: number): Set<string> {
  const beaten = new Set<string>();
  const revision = String(position);
  runAsRoot(opts.serverId, () => {
    for (const [conn, m] of byConn) {
      const riding: NonNullable<WatchHeartbeat['bookmark']>['watches'] = [];
      for (const w of m.values()) {
        if (!w.bookmarks) continue;
        if (w.pending.length === 0) riding.push([w.id, w.def.kind, w.def.apiVersion]);
        else sender.push(w, 'BOOKMARK', { kind: w.def.kind, apiVersion: w.def.apiVersion, metadata: { resourceVersion: revision } });
      }
      if (riding.length === 0) continue;
      const body: WatchHeartbeat = { server: opts.serverId, watches: [...m.values()].map((w) => [w.id, w.sentSeq]), bookmark: { revision, watches: riding } };
      try {
        opts.bus.publish(watchHeartbeat(conn), body);
        beaten.add(conn);
      } catch (err) {
        opts.log.debug({ conn, err: (err as Error).message }, 'watch heartbeat with bookmarks not sent');
      }
    }
  });
  return beaten;
}

/**
 * Every this many heartbeats a connection is asked for a reply; the ones between go one-way. A client
 * hears from the server every period either way (its silence rule is unchanged); what the replies
 * prove, that the client still lives and which watches it no longer holds, is learnt every third
 * period: a client gone is dropped within 3 periods instead of 1 (its watches cost the server
 * only the messages sent to nobody meanwhile). Two of three heartbeats then cost one message, not two.
 */
export const REPLY_EVERY = 3;

/** Every this many periods each connection gets a heartbeat (asking, or with bookmarks) even when its requests stand in for it: a watch its client no longer holds is found within a minute at 10 s. */
export const CONFIRM_EVERY = 6;

/** A client probes a server it has not heard for this many periods (bus/watch-client.ts). */
const OVERDUE = 1.25;

/** What the heartbeats need to know: the hub's options. */
export interface LivenessOptions {
  bus: Bus;
  clock: Clock;
  log: Logger;
  serverId: string;
  /** This run of the server: replies to a connection with watches name it (WATCH_SERVER_HEADER). */
  instance?: string;
  heartbeatMs: number;
}

/** One client connection with watches here: its request inbox, and when this server last answered a request from it. */
interface ConnState {
  conn: string;
  inbox: string;
  answeredAt: number;
  /** When it was last sent a heartbeat. */
  beatAt: number;
  /** The last heartbeat was left out: the next asks for a reply (a client gone is found as soon as without the skip). */
  skipped: boolean;
}

/**
 * The heartbeats of one API server, and what stands in for them. A client connection this server
 * answered within the last period (and a quarter), and whose watches were sent nothing since their
 * last heartbeat, needs none: the reply (naming this server's run) told the client the server lives,
 * the request told the server the client does, and the last heartbeat's sequence numbers still hold.
 * A kubelet renewing its Lease every 10 s then hears one message a minute (the heartbeat with its
 * watches' bookmarks) where it had six heartbeats, two replies and three bookmarks. A dead server
 * answers nothing, so its clients notice as soon as they did.
 */
export class WatchLiveness {
  private tick = 0;
  private readonly conns = new Map<string, ConnState>();
  /** Request inbox (the reply subject less its last token) → its connection's state, learnt from the connection's watch requests. */
  private readonly byInbox = new Map<string, ConnState>();
  /** The header of a reply that stands in for a heartbeat (one object for every reply: the bus copies headers). */
  private readonly named: Headers | undefined;

  constructor(private readonly opts: LivenessOptions) {
    // Frozen: shared by every heartbeat reply, whose headers the bus copies before adding its own.
    this.named = opts.instance === undefined ? undefined : Object.freeze({ [WATCH_SERVER_HEADER]: opts.instance });
  }

  /**
   * Returns the headers of the reply to a request (`reply`: its reply subject; `watchConn`: the
   * connection a watch request names): the warnings, and when the requester holds watches here, this
   * run's id (its client takes the reply as a heartbeat).
   */
  replyHeaders(reply: string | undefined, watchConn: string | undefined, warnings: string[]): Headers | undefined {
    const dot = reply && this.named ? reply.lastIndexOf('.') : -1;
    let state: ConnState | undefined;
    if (dot > 0) {
      const inbox = reply!.slice(0, dot);
      state = this.byInbox.get(inbox);
      if (watchConn !== undefined && state?.conn !== watchConn) {
        const was = this.conns.get(watchConn);
        if (was) this.byInbox.delete(was.inbox);
        state = { conn: watchConn, inbox, answeredAt: -Infinity, beatAt: -Infinity, skipped: false };
        this.byInbox.set(inbox, state);
        this.conns.set(watchConn, state);
      }
      if (state) state.answeredAt = this.opts.clock.now();
    }
    if (!warnings.length) return state && this.named;
    const headers: Headers = { [WARNINGS_HEADER]: JSON.stringify(warnings) };
    return state ? { ...headers, ...this.named } : headers;
  }

  /** Sends the bookmarks due (sendBookmarks); a heartbeat that carries them counts as the connection's. */
  bookmark(byConn: WatchesByConn, sender: WatchSender, position: number): void {
    const now = this.opts.clock.now();
    for (const conn of sendBookmarks(this.opts, byConn, sender, position)) {
      const state = this.conns.get(conn);
      if (state) state.beatAt = now;
    }
  }

  /** Heartbeat to each client connection (see heartbeatWatches), but for those a recent reply stands in for. */
  beat(byConn: WatchesByConn, stop: (conn: string, id: string) => void): void {
    const tick = this.tick++;
    const now = this.opts.clock.now();
    for (const [conn, state] of this.conns)
      if (!byConn.has(conn)) {
        this.conns.delete(conn);
        if (this.byInbox.get(state.inbox) === state) this.byInbox.delete(state.inbox);
      }
    const period = this.opts.heartbeatMs;
    const pick = (conn: string, watches: Map<string, ServerWatch>): Pick => {
      const state = this.conns.get(conn);
      if (!state) return undefined;
      // Within the time a client waits before it probes (1.25 periods): renewals every period land on either side of a tick.
      const confirm = now - state.beatAt >= CONFIRM_EVERY * period;
      const recent = now - state.answeredAt <= OVERDUE * period;
      const same = unchanged(watches);
      if (!confirm && recent && same) {
        state.skipped = true;
        return 'skip';
      }
      state.beatAt = now;
      // The first after a skip asks: the client's requests stopped (or events went out) meanwhile.
      const after = state.skipped;
      state.skipped = false;
      return after || confirm || (recent && !same) ? 'ask' : undefined;
    };
    heartbeatWatches(this.opts, byConn, stop, tick, pick);
  }
}

/** A connection's heartbeat this time: none, one that asks, or as the tick has it (undefined). */
type Pick = 'skip' | 'ask' | undefined;

/** Whether every watch's last sent event is the one its last heartbeat reported (so a skipped heartbeat would have said nothing new). */
function unchanged(watches: Map<string, ServerWatch>): boolean {
  for (const w of watches.values()) if (w.beatSeq !== w.sentSeq) return false;
  return true;
}

/**
 * Heartbeat number `tick` to each client connection: one-way, or (every REPLY_EVERY-th, from the
 * first, and the first after a skip) a request; stops the watches a reply says the client no longer
 * has, and all of a client gone or silent to 3 requests. A one-way heartbeat's unknown watches are
 * unwatched by the client. `pick` leaves a connection out, or has it asked (WatchLiveness).
 */
export function heartbeatWatches(
  opts: { bus: Bus; log: Logger; serverId: string; heartbeatMs: number },
  byConn: WatchesByConn,
  stop: (conn: string, id: string) => void,
  tick = 0,
  pick?: (conn: string, watches: Map<string, ServerWatch>) => Pick,
): void {
  runAsRoot(opts.serverId, () => {
    for (const [conn, watches] of byConn) {
      const how = pick?.(conn, watches);
      if (how === 'skip') continue;
      const reported = [...watches.values()].map((w) => [w, w.sentSeq] as const);
      const body: WatchHeartbeat = { server: opts.serverId, watches: reported.map(([w, seq]) => [w.id, seq]) };
      if (how !== 'ask' && tick % REPLY_EVERY !== 0) {
        try {
          opts.bus.publish(watchHeartbeat(conn), body);
        } catch (err) {
          opts.log.debug({ conn, err: (err as Error).message }, 'watch heartbeat not sent');
        }
        continue;
      }
      opts.bus
        .request<WatchHeartbeatReply>(watchHeartbeat(conn), body, { timeoutMs: opts.heartbeatMs })
        .then((r) => {
          for (const w of watches.values()) w.misses = 0;
          for (const [w, seq] of reported) w.beatSeq = seq; // the client held every event up to seq
          for (const id of r.data?.unknown ?? []) stop(conn, id);
        })
        .catch((err: Error) => {
          const gone = err instanceof NoRespondersError;
          for (const w of [...watches.values()]) {
            if (gone || ++w.misses >= 3) stop(conn, w.id);
          }
          if (gone) opts.log.debug({ conn }, 'watch client gone; dropped its watches');
        });
    }
  });
}
