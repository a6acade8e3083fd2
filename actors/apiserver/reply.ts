// Sending the API server's replies: one that cannot be sent (most likely larger than the bus allows)
// becomes a 500 Status that says so, rather than leaving the client to time out.
import { internalError } from '../../api/status.ts';
import type { Bus, BusMessage, Headers, Logger } from '../../bus/types.ts';

/** Replies to `msg` with `reply`; when that fails, with a 500 Status saying why (logged either way). */
export function sendReply(bus: Bus, log: Logger, msg: BusMessage, reply: unknown, headers?: Headers): void {
  try {
    bus.respond(msg, reply, headers);
  } catch (err) {
    const why = (err as Error).message;
    log.warn({ subject: msg.subject, err: why }, 'could not send reply');
    try {
      bus.respond(msg, internalError(`the response could not be sent (${why}); for lists, use limit and continue`).status);
    } catch (again) {
      log.warn({ subject: msg.subject, err: (again as Error).message }, 'could not send the error reply either');
    }
  }
}
