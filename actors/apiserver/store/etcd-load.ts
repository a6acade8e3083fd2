// Reading etcd into the store's form: one KeyValue (JSON values; an unreadable one is skipped with a
// warning naming its key), and every key under a prefix at one revision, page by page.
import type { IKeyValue, IRangeRequest, IRangeResponse } from 'etcd3';
import type { KeyValue } from './store.ts';
import { prefixEnd } from './memory-store.ts';

/** Returns an etcd revision (a decimal string on the wire) as a number. */
export const rev = (s: string | number | undefined) => Number(s ?? 0);

/** Returns an etcd KeyValue as the store's (its key without keyPrefix), or undefined (with a warning naming the key) when its value is not JSON. */
export function decodeKv(kv: IKeyValue, keyPrefix: string, warn: (message: string, err?: unknown) => void): KeyValue | undefined {
  const raw = kv.key.toString();
  let value: unknown;
  try {
    value = JSON.parse(kv.value.toString());
  } catch (err) {
    warn(`etcd key ${raw}: value at revision ${kv.mod_revision} is not JSON, skipped (${(err as Error).message})`, err);
    return undefined;
  }
  return {
    key: raw.slice(keyPrefix.length),
    value,
    createRevision: rev(kv.create_revision),
    modRevision: rev(kv.mod_revision),
    version: rev(kv.version),
  };
}

/** Reads every key under keyPrefix at one revision, page by page (each through `range`); returns them with that revision. */
export async function loadAll(
  range: (req: IRangeRequest) => Promise<IRangeResponse>,
  keyPrefix: string,
  pageSize: number,
  warn: (message: string, err?: unknown) => void,
): Promise<{ kvs: KeyValue[]; revision: number }> {
  const end = prefixEnd(keyPrefix);
  const rangeEnd = end === undefined ? Buffer.from([0]) : Buffer.from(end);
  const kvs: KeyValue[] = [];
  let start = Buffer.from(keyPrefix === '' ? '\0' : keyPrefix);
  let revision = 0;
  for (;;) {
    const res: IRangeResponse = await range({ key: start, range_end: rangeEnd, limit: pageSize, revision });
    revision ||= rev(res.header.revision);
    for (const kv of res.kvs) {
      const decoded = decodeKv(kv, keyPrefix, warn);
      if (decoded) kvs.push(decoded);
    }
    if (!res.more || res.kvs.length === 0) return { kvs, revision };
    start = Buffer.concat([res.kvs[res.kvs.length - 1].key, Buffer.from([0])]);
  }
}
