// A batch of API requests: several requests of one resource and one verb in one bus message
// (`kubus.api.<resource>.batch`), answered by one reply that carries each request's own result. The
// API server serves every item as the request it would be on its own subject (same user, same
// authorization and admission, same precondition); one item's failure is that item's Status only.
// The kubelets of one process send their lease renewals of one renewal slot this way.
import type { ApiRequest } from './protocol.ts';
import { badRequest, isStatus, StatusError } from './status.ts';

/**
 * Most items one batch may carry. A Lease renewal is ~0.4 KB: 500 of them stay well below NATS's
 * default 1 MiB payload, request and reply alike (the reply is also held to MAX_BATCH_REPLY_BYTES). Clients split larger ones; the server refuses them (413).
 */
export const MAX_BATCH_ITEMS = 500;

/**
 * What a batch may carry: only what kubus sends in batches, the kubelets' lease renewals (update of
 * `leases`, coordination.k8s.io). Anything else is refused whole (400) before any item is served: a
 * batch of 500 gets of one large object would make the server build a reply it cannot send.
 */
export const BATCH_RESOURCE = 'leases';
export const BATCH_VERBS: ReadonlySet<string> = new Set(['update']);

/**
 * Most bytes a batch's reply may carry, counted as JSON (the bus's MessagePack is about as large or
 * smaller), half NATS's default 1 MiB payload. Each item reserves its request's size plus BATCH_ITEM_SLACK before it is served (an update's reply is the object it
 * stored); an item that no longer fits is not served and gets its own 413 (unservedItem), which the
 * coalescer sends again alone. A Lease's size is its sender's to choose (annotations, labels).
 */
export const MAX_BATCH_REPLY_BYTES = 512 * 1024;
export const BATCH_ITEM_SLACK = 1024;

/** Bytes of a value as JSON: what the reply budget counts. */
export const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '');

/**
 * Returns at least jsonBytes(v), without building the JSON: 6 bytes per UTF-16 unit of a string (an
 * escape's most), 32 per number; Infinity for anything but plain data (toJSON, classes, BigInt,
 * deeper than 64), which the caller then counts exactly.
 */
export function jsonBytesAtMost(v: unknown, depth = 0): number {
  switch (typeof v) {
    case 'string':
      return 6 * v.length + 2;
    case 'number':
      return 32;
    case 'boolean':
    case 'undefined':
    case 'function':
    case 'symbol':
      return 5;
    case 'object': {
      if (v === null) return 4;
      if (depth > 64) return Infinity;
      let n = 2;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) n += jsonBytesAtMost(v[i], depth + 1) + 1;
        return n;
      }
      const proto = Object.getPrototypeOf(v);
      if ((proto !== Object.prototype && proto !== null) || 'toJSON' in v) return Infinity;
      const o = v as Record<string, unknown>;
      for (const k in o) n += 6 * k.length + 4 + jsonBytesAtMost(o[k], depth + 1);
      return n;
    }
    default:
      return Infinity;
  }
}

/** The cause a batch item carries when it was not served for want of room in the reply: send it alone. */
export const NOT_SERVED_IN_BATCH = 'NotServedInBatch';

/** Returns the 413 Status of an item a batch had no room for (never served: nothing written). */
export const unservedItem = (bytes: number) =>
  new StatusError(413, 'RequestEntityTooLarge', `this item (${bytes} bytes) did not fit in the batch's ${MAX_BATCH_REPLY_BYTES}-byte reply and was not served: send it alone`, {
    causes: [{ reason: NOT_SERVED_IN_BATCH, message: 'not served: send it alone' }],
  }).status;

/** Returns true when a batch item's reply says it was not served (unservedItem). */
export const isUnservedItem = (v: unknown) => isStatus(v) && v.code === 413 && !!v.details?.causes?.some((c) => c.reason === NOT_SERVED_IN_BATCH);

/** Returns true when a string may name an item's actor (audit user agent, trace): '' or up to 253 printable ASCII characters, no spaces. */
export const isBatchActor = (a: unknown): a is string => typeof a === 'string' && (a === '' || /^[\x21-\x7e]{1,253}$/.test(a));

/** A batch request: `items` of the verb `verb`, each with its own user, name, body and precondition. */
export interface ApiBatch {
  verb: string;
  items: ApiRequest[];
  /** The actor each item comes from, as a lone request's kubus-actor header names it ('' for none): the audit's user agent, the trace. */
  actors?: string[];
}

/** The reply to a batch: each item's reply (the object, or its Status) in order; warnings by item index. */
export interface ApiBatchReply {
  kind: 'BatchReply';
  items: unknown[];
  warnings?: Record<number, string[]>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns a batch request's body (of `resource`) when it is whole and allowed; throws 400 for a malformed or not allowed one, 413 past MAX_BATCH_ITEMS. */
export function asBatch(data: unknown, resource: string): ApiBatch {
  if (!isObj(data)) throw badRequest('a batch must be an object with a verb and a list of items');
  if (resource !== BATCH_RESOURCE || typeof data.verb !== 'string' || !BATCH_VERBS.has(data.verb))
    throw badRequest(`batches are allowed only for ${[...BATCH_VERBS].join(', ')} of ${BATCH_RESOURCE} (coordination.k8s.io); got ${JSON.stringify(data.verb)} of ${JSON.stringify(resource)}: send it as requests of their own`);
  if (!Array.isArray(data.items) || data.items.length === 0) throw badRequest('a batch must carry a non-empty list of items');
  if (data.items.length > MAX_BATCH_ITEMS)
    throw new StatusError(413, 'RequestEntityTooLarge', `a batch may carry at most ${MAX_BATCH_ITEMS} items; got ${data.items.length}: send smaller batches`);
  if (data.actors !== undefined && !(Array.isArray(data.actors) && data.actors.length === data.items.length && data.actors.every(isBatchActor)))
    throw badRequest("a batch's actors must be a list of names, one per item, each '' or up to 253 printable ASCII characters without spaces");
  return data as unknown as ApiBatch;
}

/** Returns true when a reply is a batch reply of `n` items. */
export const isBatchReply = (v: unknown, n: number): v is ApiBatchReply =>
  isObj(v) && v.kind === 'BatchReply' && Array.isArray(v.items) && v.items.length === n && (v.warnings === undefined || isObj(v.warnings));

/** Returns what each of `n` items gets from a batch reply: its own reply, or (a Status for the whole batch) that Status. */
export function itemReplies(reply: unknown, n: number): unknown[] {
  if (isBatchReply(reply, n)) return reply.items;
  if (isStatus(reply)) return Array.from({ length: n }, () => reply);
  throw new StatusError(500, 'InternalError', `the server's reply to a batch of ${n} items is not a batch reply of ${n} items`);
}
