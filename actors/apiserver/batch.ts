// The API server's side of batches (api/batch.ts): every item is served as the request it would be
// alone on its own subject (`kubus.api.<resource>.<verb>[.<identity>]`, the batch's identity token
// kept, so on a locked bus each item's user is established from the sender's identity as before),
// each authorized, admitted, audited and counted in the metrics on its own, and the replies go back
// together. A malformed batch, or one of anything but lease updates, gets a 400 Status, one past
// MAX_BATCH_ITEMS a 413, for the whole batch, before any item is served. The reply is held to
// MAX_BATCH_REPLY_BYTES: each item reserves room before it is served, and one that finds none is not
// served (its own 413, sent again alone by the coalescer) rather than the reply failing after the writes.
import { asBatch, BATCH_ITEM_SLACK, jsonBytes, jsonBytesAtMost, MAX_BATCH_REPLY_BYTES, unservedItem, type ApiBatch, type ApiBatchReply } from '../../api/batch.ts';
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
  const budget = new ReplyBudget();
  const replies = await Promise.all(
    batch.items.map(async (data, i) => {
      // Reserved in item order before any is served (nothing below awaits before this).
      const room = budget.reserve(data);
      if (typeof room === 'number') return unservedItem(room);
      // Its sender as a lone request's header would name it (a claim, as that header is: never trusted for authority).
      const actor = batch.actors?.[i];
      const one: BusMessage = { subject, data, headers: actor ? { ...msg.headers, [ACTOR_HEADER]: actor } : msg.headers };
      const w: string[] = [];
      let reply: unknown;
      await track(one, async () => (reply = await server.serve(one, w)));
      if (w.length) warnings[i] = w;
      // Larger than its request: the excess comes out of what is left; past that, it was served but cannot be sent.
      const over = budget.replied(room, reply);
      if (over !== undefined) return internalError(`this item was served, but its reply is ${over} bytes larger than the room left in the batch's reply: get the object`).status;
      return reply;
    }),
  );
  const out: ApiBatchReply = { kind: 'BatchReply', items: replies };
  if (Object.keys(warnings).length) out.warnings = warnings;
  server.send(msg, out);
  return out;
}

/** An item's room in the reply: what its request reserved, and its reply once counted. */
interface Room {
  data: unknown;
  need: number;
  reply?: { value: unknown };
}

/**
 * A batch reply's budget (MAX_BATCH_REPLY_BYTES of JSON, the bus's MessagePack of such objects being
 * about as large or smaller): each item reserves its request's bytes + BATCH_ITEM_SLACK before it
 * is served, and a reply larger than that takes the excess. Counted with upper bounds
 * (jsonBytesAtMost, no JSON built) while they fit, and exactly, for every item so far, from the first
 * bound that might not: the same decisions as counting every item exactly, which a batch of
 * renewals (0.5 KB each) never needs.
 */
class ReplyBudget {
  private used = 0;
  private exact = false;
  private readonly rooms: Room[] = [];

  /** Reserves an item's room; returns it, or the bytes it needs when there is no room for it (not served). */
  reserve(data: unknown): Room | number {
    if (!this.exact) {
      const need = jsonBytesAtMost(data) + BATCH_ITEM_SLACK;
      if (need <= MAX_BATCH_REPLY_BYTES - this.used) return this.take({ data, need });
      this.count();
    }
    const need = jsonBytes(data) + BATCH_ITEM_SLACK;
    return need > MAX_BATCH_REPLY_BYTES - this.used ? need : this.take({ data, need });
  }

  /** Counts a served item's reply; returns by how many bytes it is over the room left when it does not fit (not counted then). */
  replied(room: Room, value: unknown): number | undefined {
    if (!this.exact) {
      const over = jsonBytesAtMost(value) - room.need;
      if (over <= MAX_BATCH_REPLY_BYTES - this.used) return this.fit(room, value, over);
      this.count();
    }
    const over = jsonBytes(value) - room.need;
    return over > MAX_BATCH_REPLY_BYTES - this.used ? over : this.fit(room, value, over);
  }

  private take(room: Room): Room {
    this.used += room.need;
    this.rooms.push(room);
    return room;
  }

  private fit(room: Room, value: unknown, over: number): undefined {
    if (over > 0) this.used += over;
    room.reply = { value };
    return undefined;
  }

  /** From bounds to exact bytes: what the items reserved so far and the replies counted so far take. */
  private count(): void {
    this.exact = true;
    this.used = 0;
    for (const r of this.rooms) {
      r.need = jsonBytes(r.data) + BATCH_ITEM_SLACK;
      this.used += r.need + (r.reply ? Math.max(0, jsonBytes(r.reply.value) - r.need) : 0);
    }
  }
}
