// The history of a fault run: every client operation (invoke, then ok, fail or unknown, with
// revisions) and every watch event, and the checks issue 13 asks of it. (A stand-in with the
// shape of the shared checker: the fault tests record through `HaHistory` only.)

/** A client operation on one key; `value` names the write (unique per write). */
export interface Op {
  id: number;
  client: string;
  f: 'create' | 'update' | 'delete' | 'get';
  key: string;
  value?: string;
  /** The resourceVersion an update or delete was conditional on. */
  expect?: number;
  invokedAt: number;
  doneAt?: number;
  /** ok: acknowledged; fail: refused for sure (409, 404); unknown: it may or may not have happened. */
  outcome?: 'ok' | 'fail' | 'unknown';
  /** The revision it wrote (writes) or read (gets; absent: the key was absent). */
  rv?: number;
  /** What a get read (null: absent). */
  read?: string | null;
  error?: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  rv: number;
  value?: string;
}

/** One watcher's stream: from a list at `fromRV`, then events; `relists` counts lists after the first. */
export interface WatchRecord {
  name: string;
  fromRV: number;
  initial: Map<string, { rv: number; value?: string }>;
  events: WatchEvent[];
  relists: number;
}

type State = Map<string, { rv: number; value?: string }>;

/** Where two key → revision maps differ. */
function differences(mine: State, final: State): string[] {
  const keys = new Set([...mine.keys(), ...final.keys()]);
  return [...keys].filter((k) => mine.get(k)?.rv !== final.get(k)?.rv).map((k) => `${k} at revision ${mine.get(k)?.rv ?? 'absent'}, the final list has ${final.get(k)?.rv ?? 'absent'}`);
}

/** A watcher's state: its first list with its events applied. */
export function replay(w: WatchRecord): State {
  const state = new Map(w.initial);
  for (const e of w.events) {
    if (e.type === 'DELETED') state.delete(e.key);
    else state.set(e.key, { rv: e.rv, value: e.value });
  }
  return state;
}

/** Whether a watcher's state equals a list's. */
export const caughtUp = (w: WatchRecord, final: State) => differences(replay(w), final).length === 0;

export class HaHistory {
  readonly ops: Op[] = [];
  readonly watches: WatchRecord[] = [];
  private nextId = 0;

  /** Records the start of an operation; returns it, to be completed. */
  invoke(client: string, f: Op['f'], key: string, extra: Pick<Op, 'value' | 'expect'> = {}): Op {
    const op: Op = { id: this.nextId++, client, f, key, ...extra, invokedAt: Date.now() };
    this.ops.push(op);
    return op;
  }

  ok(op: Op, rv: number | undefined, read?: string | null): void {
    Object.assign(op, { outcome: 'ok', doneAt: Date.now(), rv, read });
  }

  fail(op: Op, definite: boolean, error: string): void {
    Object.assign(op, { outcome: definite ? 'fail' : 'unknown', doneAt: Date.now(), error });
  }

  watch(name: string, fromRV: number, initial: WatchRecord['initial']): WatchRecord {
    const w: WatchRecord = { name, fromRV, initial, events: [], relists: 0 };
    this.watches.push(w);
    return w;
  }

  /** Writes acknowledged at or after `at`, ascending by completion. */
  acksAfter(at: number): Op[] {
    return this.ops.filter((o) => o.f !== 'get' && o.outcome === 'ok' && o.doneAt! >= at).sort((a, b) => a.doneAt! - b.doneAt!);
  }

  /** The latest acknowledged-write time and count (for progress waits). */
  get acked(): number {
    return this.ops.filter((o) => o.f !== 'get' && o.outcome === 'ok').length;
  }

  /**
   * Checks the history against the final list (`final`: key → rv/value at `finalRV`); returns the
   * violations (empty: it passes).
   */
  check(final: State, finalRV: number): string[] {
    const bad: string[] = [];
    const writes = this.ops.filter((o) => o.f !== 'get');
    const acked = writes.filter((o) => o.outcome === 'ok');
    const byRV = new Map<number, Op>();
    for (const o of acked) {
      if (byRV.has(o.rv!)) bad.push(`revision ${o.rv} acknowledged twice: ops ${byRV.get(o.rv!)!.id} and ${o.id}`);
      byRV.set(o.rv!, o);
    }
    const type = { create: 'ADDED', update: 'MODIFIED', delete: 'DELETED' } as const;
    for (const w of this.watches) {
      const state = new Map(w.initial);
      let last = w.fromRV;
      const seen = new Map<number, WatchEvent>();
      for (const e of w.events) {
        if (e.rv <= last) bad.push(`${w.name}: revision ${e.rv} after ${last} (out of order or repeated)`);
        last = Math.max(last, e.rv);
        seen.set(e.rv, e);
        if (e.type === 'DELETED') state.delete(e.key);
        else state.set(e.key, { rv: e.rv, value: e.value });
        // What a watcher sees was written: by an acknowledged write, or one whose outcome is unknown.
        const op = byRV.get(e.rv);
        if (op && (op.key !== e.key || type[op.f as 'create'] !== e.type || (op.f !== 'delete' && op.value !== e.value)))
          bad.push(`${w.name}: revision ${e.rv} is ${e.type} ${e.key}=${e.value}, acknowledged as ${op.f} ${op.key}=${op.value}`);
        if (!op && !writes.some((o) => o.outcome === 'unknown' && o.key === e.key && type[o.f as 'create'] === e.type && (o.f === 'delete' || o.value === e.value)))
          bad.push(`${w.name}: revision ${e.rv} (${e.type} ${e.key}=${e.value}) matches no acknowledged or pending write`);
      }
      if (w.relists) bad.push(`${w.name}: listed again ${w.relists} time(s) instead of resuming from its revision`);
      // No acknowledged write is lost: each one after the watcher's start reached it, in order.
      for (const o of acked) if (o.rv! > w.fromRV && o.rv! <= finalRV && !seen.has(o.rv!)) bad.push(`${w.name}: never saw acknowledged ${o.f} ${o.key} at revision ${o.rv}`);
      // Its events, replayed on its first list, end where the final list is.
      bad.push(...differences(state, final).map((d) => `${w.name}: ${d}`));
    }
    // Linearizable revisions: a write acknowledged before another is invoked has the lower revision,
    // and a read sees at least every write of its key acknowledged before it started.
    const sorted = [...acked].sort((a, b) => a.doneAt! - b.doneAt!);
    for (const o of [...acked, ...this.ops.filter((g) => g.f === 'get' && g.outcome === 'ok')]) {
      const before = sorted.filter((a) => a.doneAt! < o.invokedAt);
      const maxAll = Math.max(0, ...before.map((a) => a.rv!));
      const maxKey = Math.max(0, ...before.filter((a) => a.key === o.key).map((a) => a.rv!));
      if (o.f !== 'get' && o.rv! <= maxAll) bad.push(`op ${o.id} (${o.f} ${o.key}) got revision ${o.rv}, after revision ${maxAll} was acknowledged`);
      if (o.f === 'get' && o.read !== null && o.rv! < maxKey) bad.push(`op ${o.id} read ${o.key} at ${o.rv}, after revision ${maxKey} of it was acknowledged (stale read)`);
      const lastIsDelete = before.some((a) => a.key === o.key && a.rv === maxKey && a.f === 'delete');
      if (o.f === 'get' && o.read === null && maxKey && !lastIsDelete && !writes.some((d) => d.f === 'delete' && d.key === o.key && d.outcome !== 'fail' && (d.outcome !== 'ok' || d.rv! > maxKey)))
        bad.push(`op ${o.id} read ${o.key} as absent, though revision ${maxKey} of it was acknowledged and no later delete exists`);
    }
    return bad;
  }
}
