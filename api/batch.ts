// A batch of API requests: several requests of one resource and one verb in one bus message
// (`kubus.api.<resource>.batch`), answered by one reply that carries each request's own result. The
// API server serves every item as the request it would be on its own subject (same user, same
// authorization and admission, same precondition); one item's failure is that item's Status only.
// The kubelets of one process send their lease renewals of one renewal slot this way.
import type { ApiRequest } from './protocol.ts';
import { badRequest, isStatus, StatusError } from './status.ts';

/**
 * Most items one batch may carry. A Lease renewal is ~0.4 KB: 500 of them stay well below NATS's
 * default 1 MiB payload, request and reply alike. Clients split larger ones; the server refuses them (413).
 */
export const MAX_BATCH_ITEMS = 500;

/** The verbs a batch may carry: single-object requests (no list, watch, bind, evict, token, or batch). */
export const BATCH_VERBS: ReadonlySet<string> = new Set(['get', 'create', 'update', 'update-status', 'patch', 'patch-status', 'delete']);

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

/** Returns a batch request's body when it is whole; throws 400 for a malformed one, 413 past MAX_BATCH_ITEMS. */
export function asBatch(data: unknown): ApiBatch {
  if (!isObj(data)) throw badRequest('a batch must be an object with a verb and a list of items');
  if (typeof data.verb !== 'string' || !BATCH_VERBS.has(data.verb))
    throw badRequest(`a batch's verb must be one of ${[...BATCH_VERBS].join(', ')}; got ${JSON.stringify(data.verb)}`);
  if (!Array.isArray(data.items) || data.items.length === 0) throw badRequest('a batch must carry a non-empty list of items');
  if (data.items.length > MAX_BATCH_ITEMS)
    throw new StatusError(413, 'RequestEntityTooLarge', `a batch may carry at most ${MAX_BATCH_ITEMS} items; got ${data.items.length}: send smaller batches`);
  if (data.actors !== undefined && !(Array.isArray(data.actors) && data.actors.length === data.items.length && data.actors.every((a) => typeof a === 'string')))
    throw badRequest("a batch's actors must be a list of strings, one per item");
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
