// Keeping client watches alive and honest: BOOKMARKs for the watches that asked for them, and
// heartbeats that drop the watches of a client that is gone or no longer holds them.
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

/** Asks each client connection whether it still holds its watches; stops those it doesn't, and all of a client gone or silent 3 times. */
export function heartbeatWatches(
  opts: { bus: Bus; log: Logger; serverId: string; heartbeatMs: number },
  byConn: WatchesByConn,
  stop: (conn: string, id: string) => void,
): void {
  runAsRoot(opts.serverId, () => {
    for (const [conn, watches] of byConn) {
      const body: WatchHeartbeat = { server: opts.serverId, watches: [...watches.values()].map((w) => [w.id, w.sentSeq]) };
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
