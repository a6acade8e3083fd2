// Who a write is from, for managedFields: the fieldManager query parameter, or the User-Agent.
import type { Call } from './call.ts';
import { boolParam } from './http.ts';

/** Upstream's FieldManagerMaxLength. */
const MAX = 128;

/** Returns the User-Agent up to its first '/', printable characters only, at most 128 bytes (upstream's prefixFromUserAgent). */
export function prefixFromUserAgent(ua: string): string {
  let out = '';
  for (const ch of ua.split('/')[0]!) {
    if (/\p{C}/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > MAX) break;
    out += ch;
  }
  return out;
}

/**
 * Returns a write's fieldManager and force: the query's fieldManager, else (not for apply, which
 * requires one) the User-Agent's prefix, as upstream's managerOrUserAgent.
 */
export function writerOf(call: Call, apply = false): { fieldManager?: string; force?: boolean } {
  const q = call.query;
  const fieldManager = q.get('fieldManager') || (apply ? undefined : prefixFromUserAgent(call.req.headers['user-agent'] ?? '') || undefined);
  return { ...(fieldManager ? { fieldManager } : {}), ...(q.has('force') ? { force: boolParam(q, 'force') } : {}) };
}
