// Coalescing of API requests: the requests of one resource and verb that a connection's clients
// issue inside one gathered() call (the lease renewals of one renewal slot, renew-timers.ts) leave as
// one batch request (api/batch.ts) at its end and come back as one reply, instead of a request and a
// reply each. Outside gathered(), a request leaves at once, as it would without a coalescer.
// Each caller still gets its own reply (its object or its Status) or the bus error (timeout, no
// responders, connection lost) the batch met, as a request of its own would have.
// An item the server had no room for in the batch's reply (isUnservedItem) is sent again alone. A
// server that does not know batches (an older replica in a rolling upgrade) refuses the whole batch
// with 403 (RBAC has no verb "batch"), 404 or 405: its items are sent again alone, and so are this
// coalescer's requests from then on (for good: the connection may reach that replica again).
import { BATCH_ITEM_SLACK, isBatchActor, isUnservedItem, itemReplies, jsonBytes, jsonBytesAtMost, MAX_BATCH_ITEMS, MAX_BATCH_REPLY_BYTES, type ApiBatch } from '../api/batch.ts';
import { isStatus } from '../api/status.ts';
import type { ApiRequest } from '../api/protocol.ts';
import { currentContext, runAsRoot, runHandling, type HandlingContext } from './trace.ts';
import { apiSubject, type ApiVerb } from './subjects.ts';
import type { Bus, Headers } from './types.ts';

/** What a coalesced request resolves with: its own reply, and the headers of the message that carried it. */
export interface CoalescedReply {
  data: unknown;
  headers?: Headers;
  /** The warnings the server gave this item (a batch reply carries them in its body). */
  warnings?: string[];
}

interface Pending {
  req: ApiRequest;
  resolve: (r: CoalescedReply) => void;
  reject: (err: unknown) => void;
  /** The caller's trace context: a request that leaves alone leaves in it. */
  ctx: HandlingContext | undefined;
}

/** The coalescers holding requests in the gathered() call running now (none outside one). */
let gathering: Coalescer[] | undefined;

/**
 * Runs `fn`; the coalesced requests it issues (synchronously) leave when it returns, one batch per
 * coalescer, or as they are when a coalescer got only one. Nested calls gather into the outermost.
 */
export function gathered<T>(fn: () => T): T {
  if (gathering) return fn();
  const held: Coalescer[] = (gathering = []);
  try {
    return fn();
  } finally {
    gathering = undefined;
    for (const c of held) c.flush();
  }
}

/** Gathers the requests of one resource and verb issued in one macrotask and sends them together. */
export class Coalescer {
  private queue: Pending[] = [];
  /** Batches sent and requests they carried (tests, benchmarks); a lone request goes as it is and counts in neither. */
  readonly stats = { batches: 0, items: 0 };
  /** Set once a server refused a batch as one that does not know batches: requests leave alone from then on. */
  unbatched = false;

  constructor(
    private readonly bus: Bus,
    readonly resource: string,
    readonly verb: ApiVerb,
    private readonly timeoutMs: number,
  ) {}

  /** Returns true when requests of this resource and verb go through this coalescer. */
  accepts(resource: string, verb: string): boolean {
    return resource === this.resource && verb === this.verb;
  }

  /** Sends a request (already stamped with its user), or inside gathered() queues it to leave with the others. */
  request(req: ApiRequest): Promise<CoalescedReply> {
    return new Promise((resolve, reject) => {
      const p: Pending = { req, resolve, reject, ctx: currentContext() };
      if (!gathering) this.send([p]);
      else if (this.queue.push(p) === 1) gathering.push(this);
    });
  }

  /** Sends what is queued: batches of at most MAX_BATCH_ITEMS whose items fit the server's reply budget as it counts it (api/batch.ts). */
  flush(): void {
    const all = this.queue;
    this.queue = [];
    // One request (a connection per kubelet, as in simulation): it leaves alone whatever its size, uncounted.
    if (all.length === 1) return this.send(all);
    let batch: Pending[] = [];
    // What the batch takes of the budget: an upper bound (jsonBytesAtMost, no string built) while
    // that fits, counted exactly from the first item whose bound might not: the same batches as
    // counting every item exactly, which a renewal's 0.5 KB never needs.
    let bound = 0;
    let exact: number | undefined;
    for (const p of all) {
      let need = jsonBytesAtMost(p.req) + BATCH_ITEM_SLACK;
      if (exact === undefined && bound + need > MAX_BATCH_REPLY_BYTES) exact = batch.reduce((n, q) => n + jsonBytes(q.req) + BATCH_ITEM_SLACK, 0);
      if (exact !== undefined) need = jsonBytes(p.req) + BATCH_ITEM_SLACK;
      if (batch.length === MAX_BATCH_ITEMS || need > MAX_BATCH_REPLY_BYTES - (exact ?? bound)) {
        if (batch.length) this.send(batch);
        [batch, bound, exact] = [[], 0, undefined];
      }
      batch.push(p);
      if (exact !== undefined) exact += need;
      else bound += need;
    }
    if (batch.length) this.send(batch);
  }

  /** Sends one request as it would have gone alone (its own subject, in its caller's trace). */
  private alone(p: Pending): void {
    const { bus, timeoutMs } = this;
    const one = () => bus.request(apiSubject(this.resource, this.verb, bus.identity), p.req, { timeoutMs });
    attempt(() => (p.ctx ? runHandling(p.ctx, one) : one())).then((r) => p.resolve(r), p.reject);
  }

  private send(items: Pending[]): void {
    const { bus, timeoutMs } = this;
    if (items.length === 1 || this.unbatched) {
      for (const p of items) this.alone(p);
      return;
    }
    this.stats.batches++;
    this.stats.items += items.length;
    const batch: ApiBatch = { verb: this.verb, items: items.map((p) => p.req) };
    // An actor name the server would refuse (api/batch.ts) goes as '' rather than failing the batch.
    if (items.some((p) => p.ctx?.actor)) batch.actors = items.map((p) => (isBatchActor(p.ctx?.actor) ? p.ctx.actor : ''));
    // Several callers' requests: the batch starts a trace of its own rather than joining the first caller's.
    const sent = attempt(() => runAsRoot(undefined, () => bus.request(apiSubject(this.resource, 'batch', bus.identity), batch, { timeoutMs })));
    sent.then(
      (reply) => {
        if (isStatus(reply.data) && [403, 404, 405].includes(reply.data.code)) {
          this.unbatched = true;
          for (const p of items) this.alone(p);
          return;
        }
        let replies: unknown[];
        try {
          replies = itemReplies(reply.data, items.length);
        } catch (err) {
          for (const p of items) p.reject(err);
          return;
        }
        const warnings = (reply.data as { warnings?: Record<number, string[]> }).warnings;
        items.forEach((p, i) => (isUnservedItem(replies[i]) ? this.alone(p) : p.resolve({ data: replies[i], headers: reply.headers, warnings: warnings?.[i] })));
      },
      (err: unknown) => {
        for (const p of items) p.reject(err);
      },
    );
  }
}

/** Returns fn's promise, or a rejected one when fn throws (a caller waiting for its reply must hear of it). */
function attempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

const byBus = new WeakMap<Bus, Map<string, Coalescer>>();

/** Returns the coalescer of `resource`/`verb` requests on `bus` with this timeout, shared by the connection's clients. */
export function coalescer(bus: Bus, resource: string, verb: ApiVerb, timeoutMs: number): Coalescer {
  let m = byBus.get(bus);
  if (!m) byBus.set(bus, (m = new Map()));
  const key = `${resource} ${verb} ${timeoutMs}`;
  let c = m.get(key);
  if (!c) m.set(key, (c = new Coalescer(bus, resource, verb, timeoutMs)));
  return c;
}
