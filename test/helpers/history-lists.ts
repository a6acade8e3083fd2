// Checks the lists of a History: each is at least as fresh as every write acknowledged before it began
// (upstream's consistent list), and is one snapshot: each key as the last write at or below the list's revision left it.
import type { History, RecordedOp } from './history.ts';

/** A write the history knows took effect at a revision (acknowledged, or open but seen). */
export interface KnownWrite {
  key: string;
  type: 'put' | 'delete';
  rev: number;
  op?: RecordedOp;
  how: string;
}

const MAX_MESSAGES = 20;

/** Returns the problems of every list (at most 20 messages, then a count). */
export function checkLists(
  h: History,
  known: Map<number, KnownWrite>,
  open: Map<string, { put: number; delete: number }>,
  canon: (v: unknown) => string,
  describe: (o: RecordedOp) => string,
  at: (t: number) => string,
): string[] {
  const problems: string[] = [];
  const acked = h.ops.filter((o) => o.op.op !== 'get' && o.outcome?.type === 'ok').sort((a, b) => a.ret! - b.ret!);
  const rev = (o: RecordedOp) => (o.outcome as { revision: number }).revision;
  const prefixMax: RecordedOp[] = [];
  acked.forEach((o, i) => prefixMax.push(i > 0 && rev(prefixMax[i - 1]) > rev(o) ? prefixMax[i - 1] : o));
  const byKey = new Map<string, KnownWrite[]>();
  for (const k of known.values()) {
    const list = byKey.get(k.key);
    if (list) list.push(k);
    else byKey.set(k.key, [k]);
  }
  for (const ws of byKey.values()) ws.sort((a, b) => a.rev - b.rev);

  for (const l of h.lists) {
    if (l.revision === undefined || !l.items) continue;
    const listRev = l.revision;
    const name = `${l.client} list ${l.prefix} at revision ${listRev} [#${l.call}..#${l.ret} ${at(l.callAt)}..${at(l.retAt!)}]`;
    const say = (m: string) => problems.push(`${name}: ${m}`);
    // Fresh: the latest write acknowledged before the list began is in it.
    const before = lastBefore(acked, l.call);
    if (before >= 0 && rev(prefixMax[before]) > listRev) {
      say(`stale: revision ${rev(prefixMax[before])} was acknowledged before it began, to ${describe(prefixMax[before])}`);
    }
    // One snapshot: each key under the prefix as the last known write at or below listRev left it.
    const items = new Map(l.items.map((i) => [i.key, i]));
    for (const item of l.items) if (item.modRevision > listRev) say(`${item.key} is at revision ${item.modRevision}, above the list's revision`);
    const keys = new Set([...byKey.keys(), ...items.keys()].filter((k) => k.startsWith(l.prefix)));
    for (const key of [...keys].sort()) {
      const ws = byKey.get(key) ?? [];
      const w = lastAtOrBelow(ws, listRev);
      const item = items.get(key);
      const unsure = open.get(key);
      if (item) {
        const k = known.get(item.modRevision);
        if (w && w.type === 'put' && w.rev === item.modRevision) {
          const wrote = w.op && w.op.op.op !== 'get' && w.op.op.op !== 'delete' ? canon(w.op.op.value) : undefined;
          if (item.value !== undefined && wrote !== undefined && canon(item.value) !== wrote) {
            say(`${key} has ${canon(item.value).slice(0, 60)} at revision ${item.modRevision}, but that write wrote ${wrote.slice(0, 60)} (${w.how})`);
          }
        } else if (k && (k.key !== key || k.type !== 'put')) say(`${key} is at revision ${item.modRevision}, but that revision is a ${k.type} of ${k.key} (${k.how})`);
        else if (w && item.modRevision < w.rev) say(`${key} is at revision ${item.modRevision}, but it was ${w.type === 'delete' ? 'deleted' : 'written'} at revision ${w.rev} (${w.how}) before the list's revision`);
        else if (!k && !unsure?.put && item.modRevision <= listRev) say(`${key} is at revision ${item.modRevision}, which matches no recorded write`);
      } else if (w && w.type === 'put' && !unsure?.delete) {
        say(`${key} is missing, but it was written at revision ${w.rev} (${w.how}) and not deleted by the list's revision`);
      }
    }
  }
  if (problems.length > MAX_MESSAGES) problems.splice(MAX_MESSAGES, problems.length - MAX_MESSAGES, `... and ${problems.length - MAX_MESSAGES} more list problems`);
  return problems;
}

/** Returns the index of the last op (sorted by ret) that returned before `call`, or -1. */
function lastBefore(byRet: RecordedOp[], call: number): number {
  let lo = 0;
  let hi = byRet.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byRet[mid].ret! < call) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Returns the last write (sorted by revision) at or below `rev`. */
function lastAtOrBelow(ws: KnownWrite[], rev: number): KnownWrite | undefined {
  let lo = 0;
  let hi = ws.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ws[mid].rev <= rev) lo = mid + 1;
    else hi = mid;
  }
  return ws[lo - 1];
}

