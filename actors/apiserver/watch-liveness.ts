// Keeping client watches alive and honest: BOOKMARKs for the watches that asked for them, and
// heartbeats that drop the watches of a client that is gone or no longer holds them (a reply asked
// for every third).
import type { WatchHeartbeat, WatchHeartbeatReply } from '../../api/protocol.ts';
import { NoRespondersError } from '../../bus/errors.ts';
import { watchHeartbeat } from '../../bus/subjects.ts';
import { runAsRoot } from '../../bus/trace.ts';
import type { Bus, Logger } from '../../bus/types.ts';
import type { ServerWatch, WatchSender } from './watch-sender.ts';

/** Client watches by connection, then by watch id, as the hub holds them. */
export type WatchesByConn = Map<string, Map<string, ServerWatch>>;

/** Sends each watch that asked for bookmarks a BOOKMARK at revision `position`. */
export function sendBookmarks(serverId: string, byConn: WatchesByConn, sender: WatchSender, position: number): void {
  runAsRoot(serverId, () => {
    for (const m of byConn.values())
      for (const w of m.values()) {
        if (!w.bookmarks) continue;
        sender.push(w, 'BOOKMARK', { kind: w.def.kind, apiVersion: w.def.apiVersion, metadata: { resourceVersion: String(position) } });
      }
  });
}

/**
 * Every this many heartbeats a connection is asked for a reply; the ones between go one-way. A client
 * hears from the server every period either way (its silence rule is unchanged); what the replies
 * prove, that the client still lives and which watches it no longer holds, is learnt every third
 * period: a client gone is dropped within 3 periods instead of 1 (its watches cost the server
 * only the messages sent to nobody meanwhile). Two of three heartbeats then cost one message, not two.
 */
export const REPLY_EVERY = 3;

/**
 * Heartbeat number `tick` to each client connection: one-way, or (every REPLY_EVERY-th, from the
 * first) a request; stops the watches a reply says the client no longer has, and all of a client
 * gone or silent to 3 requests. A one-way heartbeat's unknown watches are unwatched by the client.
 */
export function heartbeatWatches(
  opts: { bus: Bus; log: Logger; serverId: string; heartbeatMs: number },
  byConn: WatchesByConn,
  stop: (conn: string, id: string) => void,
  tick = 0,
): void {
  const ask = tick % REPLY_EVERY === 0;
  runAsRoot(opts.serverId, () => {
    for (const [conn, watches] of byConn) {
      const body: WatchHeartbeat = { server: opts.serverId, watches: [...watches.values()].map((w) => [w.id, w.sentSeq]) };
      if (!ask) {
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
