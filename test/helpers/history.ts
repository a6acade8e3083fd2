// A recorder of client operations and watch events during a (fault) run, for check() in history-check.ts.
//
// Usage:
//   const h = new History();
//   const r = await h.call('w1', { op: 'update', key, value, ifModRevision }, () => store.txn(op));
//   h.watchStart('watch-a', { fromRevision: 0, keys: '/registry/' });  then h.watched(...) per event
//   await h.callList('r1', '/registry/', () => store.range('/registry/'));   (a list: fresh and one snapshot)
//   ...after the run: h.final(key, store.get(key)) for every key (or h.finalRange(prefix, kvs)),
//   then assertHistory(t, h) or check(h).
// Through the API: keys are names you choose ('configmaps/default/a'), values API objects, and
// `new History({ compareBy: (o) => o?.data?.v })` compares only what identifies a write; h.call reads
// metadata.resourceVersion and classifies StatusErrors (409/404 definite, 5xx and timeouts unknown).
// Give every write a unique value: an unknown outcome is resolved by where its value was seen.
// Operations are ordered by when they were recorded (one counter), which is real time in one process.
import { classifyError, describeError, readList, readResult } from './history-outcomes.ts';

/** An operation on one key, as a register with compare-and-set (the store's TxnOp plus get). */
export type HistoryOp =
  | { op: 'create'; key: string; value: unknown }
  | { op: 'update'; key: string; value: unknown; ifModRevision?: number }
  | { op: 'delete'; key: string; ifModRevision?: number }
  | { op: 'get'; key: string };

/** What an acknowledged operation returned: a write's revision, or a get's key-value (undefined = not found). */
export type OkResult = { revision: number } | { kv: { value: unknown; modRevision: number } | undefined };

/** Why an operation definitely failed: the model's outcomes, or `rejected` (it had no effect, e.g. 400/403/422). */
export type FailReason = 'exists' | 'conflict' | 'not-found' | 'rejected';

/** The outcome of an operation; `info` = failed with an unknown outcome (it may or may not have happened). */
export type Outcome =
  | { type: 'ok'; revision: number }
  | { type: 'read'; kv: { value: unknown; modRevision: number } | undefined }
  | { type: 'fail'; reason: FailReason; error?: string }
  | { type: 'info'; error: string };

/** One recorded operation. `ret` is undefined while it is open: pending, or failed with an unknown outcome. */
export interface RecordedOp {
  id: number;
  client: string;
  op: HistoryOp;
  /** Position of the invoke in the history's order. */
  call: number;
  /** Position of the ok or definite fail; undefined for open operations (they stay open to the end). */
  ret?: number;
  /** Clock times, for messages. */
  callAt: number;
  retAt?: number;
  outcome?: Outcome;
}

/** One event a watcher received. */
export interface WatchedEvent {
  key: string;
  type: 'put' | 'delete';
  revision: number;
  /** The value carried by a put (lets the checker learn the revision of a write whose outcome was unknown). */
  value?: unknown;
  at: number;
}

/** A watcher: where it started, which keys it covers, what it saw, and up to where it must have seen everything. */
export interface WatcherLog {
  id: string;
  fromRevision: number;
  covers: (key: string) => boolean;
  filter: string;
  /** The prefix when the filter is one (lets a saved history be checked again). */
  prefix?: string;
  events: WatchedEvent[];
  /** Set by watchEnd: events up to this revision must all have arrived (default: the last revision seen). */
  upToRevision?: number;
}

/** One item of a list: a key at its modRevision (value optional, compared with compareBy). */
export interface ListedItem {
  key: string;
  modRevision: number;
  value?: unknown;
}

/** A list of the keys under a prefix: one snapshot at `revision`. `ret` undefined = pending or failed. */
export interface RecordedList {
  id: number;
  client: string;
  prefix: string;
  call: number;
  ret?: number;
  callAt: number;
  retAt?: number;
  revision?: number;
  items?: ListedItem[];
  error?: string;
}

/** The state of a key read after the run (undefined kv = absent). */
export interface FinalRead {
  key: string;
  kv: { value: unknown; modRevision: number } | undefined;
  opId: number;
}

/** A history as plain data: History.toJSON / History.fromJSON. */
export interface SavedHistory {
  ops: RecordedOp[];
  lists?: RecordedList[];
  watchers: Omit<WatcherLog, 'covers'>[];
  finals?: FinalRead[];
}

/** What `call` resolves with: never throws; `definite: false` means the operation may or may not have happened. */
export type CallResult<R> =
  | { ok: true; value: R }
  | { ok: false; definite: boolean; reason?: FailReason; error: unknown; value?: R };

export interface HistoryOptions {
  /** Time source for messages only (ordering uses a counter); default performance.now. */
  clock?: { now(): number };
  /** Maps a stored value to what the checker compares (e.g. `(o) => o.data.v` for API objects); default the value itself. */
  compareBy?: (value: unknown) => unknown;
}

/** Records invokes, completions, watch events and final reads of a run. */
export class History {
  readonly ops: RecordedOp[] = [];
  readonly watchers = new Map<string, WatcherLog>();
  readonly finals = new Map<string, FinalRead>();
  readonly lists: RecordedList[] = [];
  readonly compareBy: (value: unknown) => unknown;
  private readonly clock: { now(): number };
  private seq = 0;

  constructor(opts: HistoryOptions = {}) {
    this.clock = opts.clock ?? performance;
    this.compareBy = opts.compareBy ?? ((v) => v);
  }

  /** Records that `client` invoked `op`; returns the id to complete it with. */
  invoke(client: string, op: HistoryOp): number {
    const id = this.ops.length;
    this.ops.push({ id, client, op: { ...op }, call: this.seq++, callAt: this.clock.now() });
    return id;
  }

  /** Records that operation `id` succeeded with `result`. */
  ok(id: number, result: OkResult): void {
    const o = this.open(id);
    if (o.op.op === 'get') {
      if (!('kv' in result)) throw new TypeError(`history: get #${id} must complete with {kv}, got ${JSON.stringify(result)}`);
      o.outcome = { type: 'read', kv: result.kv ? { value: result.kv.value, modRevision: result.kv.modRevision } : undefined };
    } else {
      if (!('revision' in result) || !Number.isInteger(result.revision)) {
        throw new TypeError(`history: ${o.op.op} #${id} must complete with {revision}, got ${JSON.stringify(result)}`);
      }
      o.outcome = { type: 'ok', revision: result.revision };
    }
    this.close(o);
  }

  /**
   * Records that operation `id` failed. `definite`: it certainly had no effect beyond its reason (409, 404, 400 ...);
   * otherwise (timeout, connection lost, 5xx) it stays open to the end of the history. `err` is an error, a Status,
   * or a FailReason; a definite failure's reason is taken from it (409 AlreadyExists → exists, 409 → conflict, 404 → not-found).
   */
  fail(id: number, definite: boolean, err: unknown): void {
    const o = this.open(id);
    const error = describeError(err);
    if (!definite) {
      o.outcome = { type: 'info', error };
      return;
    }
    o.outcome = { type: 'fail', reason: classifyError(err).reason ?? 'rejected', error };
    this.close(o);
  }

  /**
   * Runs `fn` as `op` by `client` and records its outcome; throws only when `read` cannot read a result (a test bug). What `fn` returns is read by `read`
   * (default: a store TxnResult, a store KeyValue/undefined for get, or an API object with metadata.resourceVersion);
   * what it throws is classified by classifyError.
   */
  async call<R>(client: string, op: HistoryOp, fn: () => Promise<R> | R, read: (r: R, op: HistoryOp) => OkResult | FailReason = readResult): Promise<CallResult<R>> {
    const id = this.invoke(client, op);
    let value: R;
    try {
      value = await fn();
    } catch (error) {
      const c = classifyError(error);
      this.fail(id, c.definite, error);
      return { ok: false, definite: c.definite, ...(c.reason ? { reason: c.reason } : {}), error };
    }
    const r = read(value, op);
    if (typeof r === 'string') {
      this.fail(id, true, r);
      return { ok: false, definite: true, reason: r, error: r, value };
    }
    this.ok(id, r);
    return { ok: true, value };
  }

  /** Records that `client` started a list of the keys under `prefix`; returns the id for listOk/listFail. */
  invokeList(client: string, prefix: string): number {
    const id = this.lists.length;
    this.lists.push({ id, client, prefix, call: this.seq++, callAt: this.clock.now() });
    return id;
  }

  /** Records the list's answer: its revision (a list's resourceVersion) and its items. */
  listOk(id: number, revision: number, items: ListedItem[]): void {
    const l = this.lists[id];
    if (!l || l.ret !== undefined || l.error !== undefined) throw new Error(`history: list #${id} is not open`);
    Object.assign(l, { ret: this.seq++, retAt: this.clock.now(), revision, items: items.map((i) => ({ ...i })) });
  }

  /** Records that the list failed (it is then left out of the checks). */
  listFail(id: number, err: unknown): void {
    const l = this.lists[id];
    if (!l || l.ret !== undefined || l.error !== undefined) throw new Error(`history: list #${id} is not open`);
    l.error = describeError(err);
  }

  /**
   * Runs a list and records it; never throws. `read` turns the answer into a revision and items (default: a store
   * RangeResult, or an API list whose items are keyed `<prefix><metadata.name>`).
   */
  async callList<R>(client: string, prefix: string, fn: () => Promise<R> | R, read: (r: R) => { revision: number; items: ListedItem[] } = (r) => readList(r, prefix)): Promise<CallResult<R>> {
    const id = this.invokeList(client, prefix);
    try {
      const value = await fn();
      const { revision, items } = read(value);
      this.listOk(id, revision, items);
      return { ok: true, value };
    } catch (error) {
      this.listFail(id, error);
      return { ok: false, definite: classifyError(error).definite, error };
    }
  }

  /** Declares a watcher: it asked for changes after `fromRevision` on keys starting with `keys` (or matching it). */
  watchStart(watcherId: string, opts: { fromRevision: number; keys: string | ((key: string) => boolean) }): void {
    if (this.watchers.has(watcherId)) throw new Error(`history: watcher ${watcherId} declared twice`);
    const { keys } = opts;
    this.watchers.set(watcherId, {
      id: watcherId,
      fromRevision: opts.fromRevision,
      covers: typeof keys === 'string' ? (k) => k.startsWith(keys) : keys,
      filter: typeof keys === 'string' ? `prefix ${JSON.stringify(keys)}` : 'a key filter',
      ...(typeof keys === 'string' ? { prefix: keys } : {}),
      events: [],
    });
  }

  /** Records an event a watcher received (ADDED/MODIFIED count as put, DELETED as delete). */
  watched(watcherId: string, key: string, type: 'put' | 'delete' | 'ADDED' | 'MODIFIED' | 'DELETED', revision: number, value?: unknown): void {
    const w = this.watchers.get(watcherId);
    if (!w) throw new Error(`history: watcher ${watcherId} was not declared with watchStart`);
    const t = type === 'DELETED' || type === 'delete' ? 'delete' : 'put';
    const ev: WatchedEvent = { key, type: t, revision, at: this.clock.now() };
    if (value !== undefined) ev.value = value;
    w.events.push(ev);
  }

  /** Declares that the watcher must have seen every change up to `upToRevision` (default: the last revision it saw). */
  watchEnd(watcherId: string, upToRevision?: number): void {
    const w = this.watchers.get(watcherId);
    if (!w) throw new Error(`history: watcher ${watcherId} was not declared with watchStart`);
    if (upToRevision !== undefined) w.upToRevision = upToRevision;
  }

  /** Records a key's state read after the run (undefined = absent); it also enters the history as a last get. */
  final(key: string, kv: { value: unknown; modRevision: number } | undefined): void {
    const opId = this.invoke('final', { op: 'get', key });
    this.ok(opId, { kv });
    this.finals.set(key, { key, kv, opId });
  }

  /** Records the final state of every key under `prefix` from a list: keys that were written but are not listed are absent. */
  finalRange(prefix: string, kvs: Iterable<{ key: string; value: unknown; modRevision: number }>): void {
    const listed = new Map<string, { value: unknown; modRevision: number }>();
    for (const kv of kvs) if (kv.key.startsWith(prefix)) listed.set(kv.key, kv);
    const keys = new Set([...listed.keys(), ...this.ops.filter((o) => o.op.key.startsWith(prefix) && o.client !== 'final').map((o) => o.op.key)]);
    for (const key of [...keys].sort()) this.final(key, listed.get(key));
  }

  /** Returns the history as plain data (JSON.stringify it beside a failed run's logs; History.fromJSON checks it again). */
  toJSON(): SavedHistory {
    const watchers = [...this.watchers.values()].map(({ covers: _, ...w }) => w);
    return { ops: this.ops, lists: this.lists, watchers, finals: [...this.finals.values()] };
  }

  /** Rebuilds a saved history; watchers declared with a key function (not a prefix) cover every key. */
  static fromJSON(saved: SavedHistory, opts: HistoryOptions = {}): History {
    const h = new History(opts);
    h.ops.push(...saved.ops);
    h.lists.push(...(saved.lists ?? []));
    for (const w of saved.watchers) {
      const prefix = w.prefix;
      h.watchers.set(w.id, { ...w, covers: prefix === undefined ? () => true : (k) => k.startsWith(prefix) });
    }
    for (const f of saved.finals ?? []) h.finals.set(f.key, f);
    h.seq = Math.max(0, ...saved.ops.map((o) => Math.max(o.call, o.ret ?? 0)), ...(saved.lists ?? []).map((l) => Math.max(l.call, l.ret ?? 0))) + 1;
    return h;
  }

  private open(id: number): RecordedOp {
    const o = this.ops[id];
    if (!o) throw new Error(`history: no operation #${id}`);
    if (o.outcome) throw new Error(`history: operation #${id} (${o.client} ${o.op.op} ${o.op.key}) completed twice`);
    return o;
  }

  private close(o: RecordedOp): void {
    o.ret = this.seq++;
    o.retAt = this.clock.now();
  }
}

export { classifyError, readList, readResult } from './history-outcomes.ts';
export { check, assertHistory } from './history-check.ts';
export type { HistoryReport, CheckOptions } from './history-check.ts';
