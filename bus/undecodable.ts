// What every transport does with a message whose body does not decode. It never reaches the
// subscriber; a request is answered with a 400 Status at once (else its caller waits out its whole
// timeout, not knowing why), and anything else is dropped with a warn line.
import { badRequest, type Status } from '../api/status.ts';
import { ACTOR_HEADER } from './trace.ts';
import type { Headers, Logger } from './types.ts';

/** The undecodable message, as far as a transport knows it. */
export interface Undecodable {
  subject: string;
  reply?: string;
  headers: Headers;
  /** Which connection sent it (MemoryBus knows; NATS does not say). */
  from?: string;
}

/** Returns the Status a request whose body cannot be decoded is answered with (400, as upstream answers a body it cannot parse). */
export const undecodableStatus = (err: Error): Status => badRequest(`the request body could not be decoded: ${err.message}`).status;

/** Answers an undecodable request through `reply`, or drops a message that has no reply subject; logs either way. */
export function refuseUndecodable(m: Undecodable, err: Error, log: Logger, reply: (subject: string, status: Status) => void): void {
  const where = { subject: m.subject, from: m.from ?? m.headers[ACTOR_HEADER], err: err.message };
  if (!m.reply) {
    log.warn(where, 'dropped undecodable message');
    return;
  }
  // The sender learns of it from the reply: not worth a warning here, but worth a trace.
  log.debug(where, 'answered an undecodable request with 400 BadRequest');
  try {
    reply(m.reply, undecodableStatus(err));
  } catch (e) {
    log.warn({ ...where, replyErr: (e as Error).message }, 'could not answer an undecodable request');
  }
}
