// How the recorder reads outcomes: store and API results as ok results, errors as definite or unknown failures.
import { StatusError, isStatus } from '../../api/status.ts';
import type { FailReason, HistoryOp, ListedItem, OkResult } from './history.ts';

/** Reads a store TxnResult, a store get (KeyValue | undefined) or an API object (metadata.resourceVersion) as an outcome. */
export function readResult(r: unknown, op: HistoryOp): OkResult | FailReason {
  if (op.op === 'get') {
    if (r === undefined || r === null) return { kv: undefined };
    const kv = r as { value?: unknown; modRevision?: number; metadata?: { resourceVersion?: string } };
    if (typeof kv.modRevision === 'number') return { kv: { value: kv.value, modRevision: kv.modRevision } };
    const rv = Number(kv.metadata?.resourceVersion);
    if (Number.isInteger(rv)) return { kv: { value: r, modRevision: rv } };
    throw new TypeError(`history: cannot read a get result ${JSON.stringify(r)?.slice(0, 200)}`);
  }
  const t = r as { ok?: boolean; revision?: number; reason?: FailReason; metadata?: { resourceVersion?: string } };
  if (t?.ok === true && typeof t.revision === 'number') return { revision: t.revision };
  if (t?.ok === false && t.reason) return t.reason;
  const rv = Number(t?.metadata?.resourceVersion);
  if (Number.isInteger(rv)) return { revision: rv };
  throw new TypeError(`history: cannot read a ${op.op} result ${JSON.stringify(r)?.slice(0, 200)}`);
}

/** Reads a store RangeResult ({kvs, revision}) or an API list ({metadata.resourceVersion, items}, keys `<prefix><name>`). */
export function readList(r: unknown, prefix: string): { revision: number; items: ListedItem[] } {
  const range = r as { kvs?: { key: string; modRevision: number; value: unknown }[]; revision?: number };
  if (Array.isArray(range?.kvs) && typeof range.revision === 'number') {
    return { revision: range.revision, items: range.kvs.map((kv) => ({ key: kv.key, modRevision: kv.modRevision, value: kv.value })) };
  }
  const list = r as { metadata?: { resourceVersion?: string }; items?: { metadata: { name?: string; resourceVersion?: string } }[] };
  const revision = Number(list?.metadata?.resourceVersion);
  if (Number.isInteger(revision) && Array.isArray(list.items)) {
    return { revision, items: list.items.map((o) => ({ key: `${prefix}${o.metadata.name}`, modRevision: Number(o.metadata.resourceVersion), value: o })) };
  }
  throw new TypeError(`history: cannot read a list result ${JSON.stringify(r)?.slice(0, 200)}`);
}

const DEFINITE_NAMES = new Set(['BusClosedError']);
const FAIL_REASONS = new Set<string>(['exists', 'conflict', 'not-found', 'rejected']);

/**
 * Classifies a failure: a Kubernetes Status 409 AlreadyExists / 409 Conflict / 404 / other 4xx is definite (no effect
 * beyond its reason); a 5xx, 408/429, a timeout, no responders, a lost connection or anything unknown is indefinite.
 */
export function classifyError(err: unknown): { definite: boolean; reason?: FailReason } {
  if (typeof err === 'string' && FAIL_REASONS.has(err)) return { definite: true, reason: err as FailReason };
  const status = err instanceof StatusError ? err.status : isStatus(err) ? err : undefined;
  if (status) {
    const { code, reason } = status;
    if (code === 409) return { definite: true, reason: reason === 'AlreadyExists' ? 'exists' : 'conflict' };
    if (code === 404) return { definite: true, reason: 'not-found' };
    if (code >= 400 && code < 500 && code !== 408 && code !== 429 && reason !== 'Timeout') return { definite: true, reason: 'rejected' };
    return { definite: false };
  }
  const e = err as { name?: string; sent?: boolean } | undefined;
  if (e?.name === 'ConnectionLostError' && e.sent === false) return { definite: true, reason: 'rejected' };
  if (e?.name && DEFINITE_NAMES.has(e.name)) return { definite: true, reason: 'rejected' };
  return { definite: false };
}

/** Returns an error as one line for the history. */
export function describeError(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (isStatus(err)) return `${err.code} ${err.reason}: ${err.message}`;
  return String(err);
}
