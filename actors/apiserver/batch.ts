// The API server's side of batches (api/batch.ts): every item is served as the request it would be
// alone on its own subject (`kubus.api.<resource>.<verb>[.<identity>]`, the batch's identity token
// kept, so on a locked bus each item's user is established from the sender's identity as before),
// each authorized, admitted, audited and counted in the metrics on its own, and the replies go back
// together. A malformed batch, or one of anything but lease updates, gets a 400 Status, one past
// MAX_BATCH_ITEMS a 413, for the whole batch, before any item is served. The reply is held to
// MAX_BATCH_REPLY_BYTES: each item reserves room before it is served, and one that finds none is not
// served (its own 413, sent again alone by the coalescer) rather than the reply failing after the writes.
import { asBatch, BATCH_ITEM_SLACK, MAX_BATCH_REPLY_BYTES, unservedItem, type ApiBatch, type ApiBatchReply } from '../../api/batch.ts';
import { internalError, isStatus, StatusError } from '../../api/status.ts';
import { apiSubject, parseApiSubject, type ApiVerb } from '../../bus/subjects.ts';
import { ACTOR_HEADER } from '../../bus/trace.ts';
import type { BusMessage } from '../../bus/types.ts';

/** What serves a batch's items: the API server's serve() and send() (server.ts). */
export interface BatchServer {
  serve(msg: BusMessage, warnings: string[]): Promise<unknown>;
  send(msg: BusMessage, reply: unknown): void;
}

/** Counts and times one request as `serve` answers it (the API server's metrics, metrics.ts). */
export type Track = (msg: BusMessage, serve: () => Promise<unknown>) => Promise<void>;

/** Returns true when a message is a batch request (`kubus.api.<resource>.batch[.<identity>]`). */
export const isBatchSubject = (subject: string) => subject.includes('.batch') && parseApiSubject(subject)?.verb === 'batch';

/** Serves a batch request and replies to it once; resolves with the reply (never throws). */
export async function serveBatch(msg: BusMessage, server: BatchServer, track: Track): Promise<unknown> {
  const route = parseApiSubject(msg.subject)!;
  let batch: ApiBatch;
  try {
    batch = asBatch(msg.data, route.resource);
  } catch (err) {
    const status = err instanceof StatusError ? err.status : isStatus(err) ? err : new StatusError(400, 'BadRequest', String(err)).status;
    server.send(msg, status);
    return status;
  }
  // Each item on the subject it would have had alone: the server's routing, audit and metrics read it from there.
  const subject = apiSubject(route.resource, batch.verb as ApiVerb, route.identity);
  const warnings: Record<number, string[]> = {};
  let room = MAX_BATCH_REPLY_BYTES;
  const replies = await Promise.all(
    batch.items.map(async (data, i) => {
      // Reserved in item order before any is served (nothing below awaits before this).
      const need = bytes(data) + BATCH_ITEM_SLACK;
      if (need > room) return unservedItem(need);
      room -= need;
      // Its sender as a lone request's header would name it (a claim, as that header is: never trusted for authority).
      const actor = batch.actors?.[i];
      const one: BusMessage = { subject, data, headers: actor ? { ...msg.headers, [ACTOR_HEADER]: actor } : msg.headers };
      const w: string[] = [];
      let reply: unknown;
      await track(one, async () => (reply = await server.serve(one, w)));
      if (w.length) warnings[i] = w;
      // Larger than its request: the excess comes out of what is left; past that, it was served but cannot be sent.
      const over = bytes(reply) - need;
      if (over > room) return internalError(`this item was served, but its reply is ${over} bytes larger than the room left in the batch's reply: get the object`).status;
      if (over > 0) room -= over;
      return reply;
    }),
  );
  const out: ApiBatchReply = { kind: 'BatchReply', items: replies };
  if (Object.keys(warnings).length) out.warnings = warnings;
  server.send(msg, out);
  return out;
}

/** Bytes of a value as JSON: what the budget counts (the bus's MessagePack of such objects is about as large or smaller). */
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '');
