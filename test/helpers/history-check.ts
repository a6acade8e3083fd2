// Checks a recorded History: no acknowledged write lost, revisions increase, watchers see every revision of
// their keys once and in order, lists are fresh snapshots, and each key is linearizable as a register with
// compare-and-set.
import type { ExecutionContext } from 'ava';
import { stringify } from 'safe-stable-stringify';
import type { History, RecordedOp, WatcherLog } from './history.ts';
import { checkKey, describeOp, type LinOp, type RegState } from './linearizable.ts';
import { checkLists, type KnownWrite } from './history-lists.ts';

export interface CheckOptions {
  /** Time for the whole linearizability search before keys are reported `unknown` (default 30 s). */
  timeLimitMs?: number;
  /** Search steps per key before it is reported `unknown` (default 5,000,000). */
  maxStepsPerKey?: number;
  /** State of keys before the history began (default: absent). */
  initial?: Record<string, { value: unknown; modRevision: number } | undefined>;
}

/** What check() found; `ok` when every list is empty. `text` says it all for a human. */
export interface HistoryReport {
  ok: boolean;
  /** Acknowledged writes missing from the final state. */
  lostWrites: string[];
  /** Revisions out of real-time order, acknowledged to two writes, or read with another write's value. */
  nonMonotonic: string[];
  /** Watcher events missed, duplicated, out of order, outside the filter, or matching no write. */
  watchProblems: string[];
  /** Lists older than a write acknowledged before them, or not one snapshot at their revision. */
  listProblems: string[];
  nonLinearizable: { key: string; message: string }[];
  unknown: { key: string; message: string }[];
  /** Not violations, worth knowing: writes without ifModRevision refused with 409 Conflict (upstream's GuaranteedUpdate retries those). */
  notes: string[];
  stats: {
    ops: number;
    /** Ops by outcome: ok (writes), read, each failure reason, info (unknown outcome), pending. */
    outcomes: Record<string, number>;
    keys: number;
    lists: number;
    watchers: number;
    events: number;
    ms: number;
    slowestKey?: { key: string; ms: number; steps: number };
  };
  text: string;
}

const MAX_MESSAGES = 20;

/** Checks the history; see HistoryReport. */
export function check(h: History, opts: CheckOptions = {}): HistoryReport {
  const t0 = performance.now();
  const canon = (v: unknown) => stringify(h.compareBy(v)) ?? 'undefined';
  // Clock times in messages: wall-clock times of day for an epoch clock (to match logs), else ms from the first op.
  const t0op = h.ops[0]?.callAt ?? 0;
  const at = (t: number) => (t > 1e12 ? new Date(t).toISOString().slice(11, 23) : `+${Math.round(t - t0op)}ms`);
  const describe = (o: RecordedOp) => describeOp(o, h.compareBy, at);
  const lostWrites: string[] = [];
  const nonMonotonic: string[] = [];
  const watchProblems: string[] = [];
  const isWrite = (o: RecordedOp) => o.op.op !== 'get';
  const isOpen = (o: RecordedOp) => !o.outcome || o.outcome.type === 'info';

  // Writes known by revision: acknowledged ones first (two at one revision is a violation).
  const known = new Map<number, KnownWrite>();
  for (const o of h.ops) {
    if (!isWrite(o) || o.outcome?.type !== 'ok') continue;
    const rev = o.outcome.revision;
    const other = known.get(rev);
    if (other) nonMonotonic.push(`revision ${rev} was acknowledged to two writes: ${describe(other.op!)} and ${describe(o)}`);
    else known.set(rev, { key: o.op.key, type: o.op.op === 'delete' ? 'delete' : 'put', rev, op: o, how: `acknowledged to ${o.client}` });
  }

  // What reads, watchers and final reads saw: value → revisions, per key (to learn open writes' revisions).
  const seenValues = new Map<string, Set<number>>();
  const sawPut = (key: string, value: unknown, rev: number) => {
    const k = `${key}\u0000${canon(value)}`;
    const s = seenValues.get(k) ?? new Set<number>();
    s.add(rev);
    seenValues.set(k, s);
  };
  for (const o of h.ops) if (o.outcome?.type === 'read' && o.outcome.kv) sawPut(o.op.key, o.outcome.kv.value, o.outcome.kv.modRevision);
  for (const w of h.watchers.values()) for (const e of w.events) if (e.type === 'put' && e.value !== undefined) sawPut(e.key, e.value, e.revision);
  for (const l of h.lists) for (const i of l.items ?? []) if (i.value !== undefined) sawPut(i.key, i.value, i.modRevision);

  // An open write whose value (unique among the key's writes) was seen at one revision took effect there.
  const writesByValue = new Map<string, RecordedOp[]>();
  for (const o of h.ops) {
    if (o.op.op !== 'create' && o.op.op !== 'update') continue;
    const k = `${o.op.key}\u0000${canon(o.op.value)}`;
    const list = writesByValue.get(k);
    if (list) list.push(o);
    else writesByValue.set(k, [o]);
  }
  const resolved = new Map<number, number>();
  const unresolvedOpen = new Map<string, { put: number; delete: number }>();
  for (const o of h.ops) {
    if (!isWrite(o) || !isOpen(o)) continue;
    if (o.op.op === 'create' || o.op.op === 'update') {
      const k = `${o.op.key}\u0000${canon(o.op.value)}`;
      const revs = [...(seenValues.get(k) ?? [])];
      if (writesByValue.get(k)?.length === 1 && revs.length === 1 && !known.has(revs[0])) {
        resolved.set(o.id, revs[0]);
        known.set(revs[0], { key: o.op.key, type: 'put', rev: revs[0], op: o, how: `seen, written by ${o.client} (outcome unknown to it)` });
        continue;
      }
    }
    const u = unresolvedOpen.get(o.op.key) ?? { put: 0, delete: 0 };
    u[o.op.op === 'delete' ? 'delete' : 'put']++;
    unresolvedOpen.set(o.op.key, u);
  }

  // A watch event at a revision no write explains, on a key with a write of its kind left open, is that write:
  // every other watcher of the key must see it too.
  for (const w of h.watchers.values()) {
    for (const e of w.events) {
      if (!known.has(e.revision) && (unresolvedOpen.get(e.key)?.[e.type] ?? 0) > 0) {
        known.set(e.revision, { key: e.key, type: e.type, rev: e.revision, how: `seen by watcher ${w.id}; a ${e.type} whose outcome was unknown` });
      }
    }
  }

  checkRealTimeOrder(h, describe, nonMonotonic);
  checkObservations(h, known, canon, nonMonotonic);
  for (const w of h.watchers.values()) checkWatcher(w, known, unresolvedOpen, canon, watchProblems);
  checkFinals(h, known, unresolvedOpen, describe, canon, lostWrites);
  const listProblems = checkLists(h, known, unresolvedOpen, canon, describe, at);

  // Linearizability, key by key (P-compositionality); definite failures without effect are left out.
  const byKey = new Map<string, LinOp[]>();
  for (const o of h.ops) {
    if (o.outcome?.type === 'fail' && o.outcome.reason === 'rejected') continue;
    if (o.op.op === 'get' && isOpen(o)) continue;
    const value = o.op.op === 'create' || o.op.op === 'update' ? canon(o.op.value) : o.outcome?.type === 'read' && o.outcome.kv ? canon(o.outcome.kv.value) : '';
    const lo: LinOp = { rec: o, call: o.call, ret: o.ret ?? Infinity, value };
    const r = resolved.get(o.id);
    if (r !== undefined) lo.knownRevision = r;
    const list = byKey.get(o.op.key);
    if (list) list.push(lo);
    else byKey.set(o.op.key, [lo]);
  }
  const deadline = Date.now() + (opts.timeLimitMs ?? 30_000);
  const nonLinearizable: HistoryReport['nonLinearizable'] = [];
  const unknown: HistoryReport['unknown'] = [];
  let slowestKey: HistoryReport['stats']['slowestKey'];
  for (const [key, ops] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const init = opts.initial?.[key];
    const initial: RegState | undefined = init ? { e: true, v: canon(init.value), r: init.modRevision } : undefined;
    const v = checkKey(key, ops, { ...(initial ? { initial } : {}), maxSteps: opts.maxStepsPerKey ?? 5_000_000, deadline, describe });
    if (!slowestKey || v.ms > slowestKey.ms) slowestKey = { key, ms: v.ms, steps: v.steps };
    if (v.result === 'fail') nonLinearizable.push({ key, message: v.message! });
    if (v.result === 'unknown') unknown.push({ key, message: v.message! });
  }

  const outcomes: Record<string, number> = {};
  for (const o of h.ops) {
    const k = !o.outcome ? 'pending' : o.outcome.type === 'fail' ? o.outcome.reason : o.outcome.type;
    outcomes[k] = (outcomes[k] ?? 0) + 1;
  }
  const stats = {
    ops: h.ops.length,
    outcomes,
    keys: byKey.size,
    lists: h.lists.length,
    watchers: h.watchers.size,
    events: [...h.watchers.values()].reduce((n, w) => n + w.events.length, 0),
    ms: Math.round(performance.now() - t0),
    ...(slowestKey ? { slowestKey } : {}),
  };
  const notes: string[] = [];
  const refused = h.ops.filter((o) => o.op.op !== 'get' && o.op.op !== 'create' && o.op.ifModRevision === undefined && o.outcome?.type === 'fail' && o.outcome.reason === 'conflict');
  if (refused.length) notes.push(`${refused.length} write(s) without ifModRevision failed with 409 Conflict (no effect; upstream retries these), e.g. ${describe(refused[0])}`);
  const ok = !lostWrites.length && !nonMonotonic.length && !watchProblems.length && !listProblems.length && !nonLinearizable.length && !unknown.length;
  const report = { ok, lostWrites, nonMonotonic, watchProblems, listProblems, nonLinearizable, unknown, notes, stats, text: '' };
  report.text = formatReport(report);
  return report;
}

/** An acknowledged write's revision is above that of every write acknowledged before it was invoked. */
function checkRealTimeOrder(h: History, describe: (o: RecordedOp) => string, out: string[]): void {
  const acked = h.ops.filter((o) => o.op.op !== 'get' && o.outcome?.type === 'ok');
  const rev = (o: RecordedOp) => (o.outcome as { revision: number }).revision;
  const byRet = [...acked].sort((a, b) => a.ret! - b.ret!);
  // prefixMax[i] = the write with the highest revision among byRet[0..i].
  const prefixMax: RecordedOp[] = [];
  byRet.forEach((o, i) => prefixMax.push(i > 0 && rev(prefixMax[i - 1]) > rev(o) ? prefixMax[i - 1] : o));
  let n = 0;
  for (const b of acked) {
    let lo = 0;
    let hi = byRet.length; // first index with ret > b.call
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byRet[mid].ret! < b.call) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) continue;
    const a = prefixMax[lo - 1];
    if (rev(a) >= rev(b) && n++ < MAX_MESSAGES) {
      const same = a.client === b.client ? ` (same client ${a.client}: its revisions went back)` : '';
      out.push(`revision ${rev(b)} of ${describe(b)} is not above revision ${rev(a)} of ${describe(a)}, acknowledged before it was invoked${same}`);
    }
  }
  if (n > MAX_MESSAGES) out.push(`... and ${n - MAX_MESSAGES} more writes out of revision order`);
}

/** A value read (by a get or a final read) at a revision acknowledged to a write is that write's value, on its key. */
function checkObservations(h: History, known: Map<number, KnownWrite>, canon: (v: unknown) => string, out: string[]): void {
  let n = 0;
  for (const o of h.ops) {
    if (o.outcome?.type !== 'read' || !o.outcome.kv) continue;
    const { value, modRevision } = o.outcome.kv;
    const k = known.get(modRevision);
    if (!k?.op || k.op.op.op === 'get') continue;
    const w = k.op.op;
    const same = w.key === o.op.key && w.op !== 'delete' && canon(w.value) === canon(value);
    if (!same && n++ < MAX_MESSAGES) {
      out.push(`${o.client} read ${o.op.key} = ${canon(value).slice(0, 60)} at revision ${modRevision}, but that revision is a ${w.op} of ${w.key}${w.op === 'delete' ? '' : ` = ${canon(w.value).slice(0, 60)}`} (${k.how})`);
    }
  }
  if (n > MAX_MESSAGES) out.push(`... and ${n - MAX_MESSAGES} more reads that disagree with acknowledged revisions`);
}

/** A watcher sees, after its start and up to its end, each known revision of its keys once, in order, and nothing else. */
function checkWatcher(
  w: WatcherLog,
  known: Map<number, KnownWrite>,
  open: Map<string, { put: number; delete: number }>,
  canon: (v: unknown) => string,
  out: string[],
): void {
  const name = `watcher ${w.id} (${w.filter}, from revision ${w.fromRevision})`;
  const problems: string[] = [];
  const seen = new Map<number, number>();
  let maxRev = w.fromRevision;
  w.events.forEach((e, i) => {
    const at = `event ${i + 1} (${e.type} ${e.key} at revision ${e.revision})`;
    if (e.revision <= w.fromRevision) problems.push(`${at} is at or before its start revision`);
    else if (seen.has(e.revision)) problems.push(`${at} is a duplicate of event ${seen.get(e.revision)! + 1}`);
    else if (e.revision < maxRev) problems.push(`${at} came after revision ${maxRev}: out of order`);
    if (!w.covers(e.key)) problems.push(`${at} is for a key outside its filter`);
    const k = known.get(e.revision);
    if (k && (k.key !== e.key || k.type !== e.type)) problems.push(`${at} does not match the write at that revision: ${k.type} ${k.key} (${k.how})`);
    else if (k?.op && k.op.op.op !== 'delete' && k.op.op.op !== 'get' && e.value !== undefined && canon(e.value) !== canon(k.op.op.value)) {
      problems.push(`${at} carries ${canon(e.value).slice(0, 60)}, but the write at that revision wrote ${canon(k.op.op.value).slice(0, 60)} (${k.how})`);
    }
    if (!k && !(open.get(e.key)?.[e.type] ?? 0)) problems.push(`${at} matches no recorded write`);
    if (!seen.has(e.revision)) seen.set(e.revision, i);
    maxRev = Math.max(maxRev, e.revision);
  });
  const upTo = w.upToRevision ?? maxRev;
  const missed = [...known.values()]
    .filter((k) => k.rev > w.fromRevision && k.rev <= upTo && w.covers(k.key) && !seen.has(k.rev))
    .sort((a, b) => a.rev - b.rev);
  if (missed.length) {
    const list = missed.slice(0, 10).map((k) => `${k.rev} (${k.type} ${k.key}, ${k.how})`);
    if (missed.length > 10) list.push(`... ${missed.length - 10} more`);
    problems.push(`missed ${missed.length} revision(s) of its keys up to ${upTo}: ${list.join(', ')}`);
  }
  for (const p of problems.slice(0, MAX_MESSAGES)) out.push(`${name}: ${p}`);
  if (problems.length > MAX_MESSAGES) out.push(`${name}: ... and ${problems.length - MAX_MESSAGES} more problems`);
}

/** Every acknowledged write is the key's final state or was superseded by a later known write. */
function checkFinals(
  h: History,
  known: Map<number, KnownWrite>,
  open: Map<string, { put: number; delete: number }>,
  describe: (o: RecordedOp) => string,
  canon: (v: unknown) => string,
  out: string[],
): void {
  const lastDelete = new Map<string, number>();
  for (const k of known.values()) if (k.type === 'delete' && k.rev > (lastDelete.get(k.key) ?? 0)) lastDelete.set(k.key, k.rev);
  const laterDeletes = (key: string, rev: number) => (lastDelete.get(key) ?? 0) > rev || (open.get(key)?.delete ?? 0) > 0;
  for (const o of h.ops) {
    if (o.op.op === 'get' || o.outcome?.type !== 'ok') continue;
    const fin = h.finals.get(o.op.key);
    if (!fin) continue;
    const rev = o.outcome.revision;
    const lost = `acknowledged write lost: ${describe(o)} on key ${o.op.key}`;
    if (fin.kv && fin.kv.modRevision < rev) out.push(`${lost}: the key ends at an older revision ${fin.kv.modRevision}`);
    else if (fin.kv && fin.kv.modRevision === rev && o.op.op === 'delete') out.push(`${lost}: the key ends present at the delete's revision ${rev}`);
    else if (fin.kv && fin.kv.modRevision === rev && o.op.op !== 'delete' && canon(fin.kv.value) !== canon(o.op.value)) {
      out.push(`${lost}: the key ends at its revision ${rev} with another value ${canon(fin.kv.value).slice(0, 60)}`);
    } else if (!fin.kv && o.op.op !== 'delete' && !laterDeletes(o.op.key, rev)) {
      out.push(`${lost}: the key ends absent and no delete after revision ${rev} was acknowledged, seen or left unknown`);
    }
  }
  if (out.length > MAX_MESSAGES) out.splice(MAX_MESSAGES, out.length - MAX_MESSAGES, `... and ${out.length - MAX_MESSAGES} more lost writes`);
}

/** Returns the report as text: a summary line, then each problem. */
export function formatReport(r: Omit<HistoryReport, 'text'>): string {
  const s = r.stats;
  const lines = [
    `history: ${r.ok ? 'ok' : 'FAILED'} (${s.ops} ops on ${s.keys} keys, ${s.lists} lists, ${s.watchers} watchers with ${s.events} events; checked in ${s.ms} ms` +
      (s.slowestKey ? `, slowest key ${s.slowestKey.key}: ${Math.round(s.slowestKey.ms)} ms, ${s.slowestKey.steps} steps)` : ')'),
    `  outcomes: ${Object.entries(s.outcomes).map(([k, n]) => `${n} ${k}`).join(', ')}`,
  ];
  const section = (title: string, items: string[]) => {
    if (items.length) lines.push(`${title}:`, ...items.map((m) => `  - ${m.replace(/\n/g, '\n    ')}`));
  };
  section('lost writes', r.lostWrites);
  section('revisions', r.nonMonotonic);
  section('watch problems', r.watchProblems);
  section('lists', r.listProblems);
  section('not linearizable', r.nonLinearizable.map((x) => x.message));
  section('unknown', r.unknown.map((x) => x.message));
  section('notes', r.notes);
  return lines.join('\n');
}

/** Checks the history in an ava test: logs the summary, fails with the whole report when anything is wrong. */
export function assertHistory(t: ExecutionContext, h: History, opts?: CheckOptions): HistoryReport {
  const r = check(h, opts);
  if (r.ok) {
    t.log(r.text);
    t.pass();
  } else t.fail(r.text);
  return r;
}
