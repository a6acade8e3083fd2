// A Porcupine-style linearizability check of one key's history as a register with compare-and-set.
// Wing & Gong's search with Lowe's memoization: depth-first over "which pending op takes effect next",
// caching (set of ops linearized, model state) so no configuration is explored twice. The model is
// non-deterministic (an op with an unknown outcome may or may not have happened), so, as Porcupine does
// for such models, a search state is the set of register states the prefix can lead to.
import type { RecordedOp } from './history.ts';

/** The register: absent, or a canonical value with its modRevision (undefined: written, revision unknown). */
export interface RegState {
  e: boolean;
  v: string;
  r: number | undefined;
}

/** One operation as the search sees it; `ret` is Infinity for ops left open (unknown outcome, or pending). */
export interface LinOp {
  rec: RecordedOp;
  call: number;
  ret: number;
  /** Canonical value written (create/update) or read (get). */
  value: string;
  /** For an open write: its revision when observations told it. */
  knownRevision?: number;
}

export interface KeyVerdict {
  key: string;
  result: 'ok' | 'fail' | 'unknown';
  ops: number;
  steps: number;
  ms: number;
  /** For fail/unknown: what a human needs to find the problem. */
  message?: string;
}

const ABSENT: RegState = { e: false, v: '', r: undefined };
const stateKey = (s: RegState) => (s.e ? `${s.r ?? '?'}=${s.v}` : '-');
const setKey = (ss: RegState[]) => ss.map(stateKey).sort().join('\n');

/** Returns the states one register state can move to under `o` with its recorded outcome ([] = impossible). */
function step(s: RegState, o: LinOp): RegState[] {
  const op = o.rec.op;
  const out = o.rec.outcome;
  const open = !out || out.type === 'info';
  if (op.op === 'get') {
    // A get that failed 404 read "absent"; one with an unknown outcome constrains nothing.
    if (out?.type === 'fail' && out.reason === 'not-found') return s.e ? [] : [s];
    if (out?.type !== 'read') return [s];
    if (!out.kv) return s.e ? [] : [s];
    if (!s.e || s.v !== o.value) return [];
    if (s.r === undefined) return [{ ...s, r: out.kv.modRevision }];
    return s.r === out.kv.modRevision ? [s] : [];
  }
  const rev = out?.type === 'ok' ? out.revision : o.knownRevision;
  const after: RegState = op.op === 'delete' ? ABSENT : { e: true, v: o.value, r: rev };
  // A write's revision is above the one it replaces: revisions increase along each key's linearization.
  const newer = rev === undefined || s.r === undefined || rev > s.r;
  let applies: boolean;
  let why: 'exists' | 'not-found' | 'conflict' | undefined;
  if (op.op === 'create') {
    applies = !s.e;
    why = s.e ? 'exists' : undefined;
  } else if (!s.e) {
    applies = false;
    why = 'not-found';
  } else if (op.ifModRevision !== undefined && s.r !== undefined && s.r !== op.ifModRevision) {
    applies = false;
    why = 'conflict';
  } else {
    // A CAS on a state whose revision is unknown may match it or not (both are allowed).
    applies = true;
  }
  if (open) return applies && newer ? [s, after] : [s];
  if (out.type === 'ok') return applies && newer ? [after] : [];
  if (out.type === 'fail') {
    // 409 Conflict says "not at ifModRevision" (absent is not either: an API server that read the key before a
    // concurrent delete answers so). Without ifModRevision it had no effect: check() lists those as notes.
    if (out.reason === 'conflict' && op.op !== 'create') return op.ifModRevision === undefined || !s.e || s.r !== op.ifModRevision ? [s] : [];
    return out.reason === why ? [s] : [];
  }
  return [];
}

function stepSet(ss: RegState[], o: LinOp): RegState[] {
  const out = new Map<string, RegState>();
  for (const s of ss) for (const n of step(s, o)) out.set(stateKey(n), n);
  return [...out.values()];
}

/** Returns a one-line description of an op, for messages: `at` words its clock times (none by default). */
export function describeOp(o: RecordedOp, compareBy: (v: unknown) => unknown = (v) => v, at?: (t: number) => string): string {
  const { op, outcome } = o;
  const val = (v: unknown) => short(JSON.stringify(compareBy(v)));
  let what = `${op.op}`;
  if (op.op === 'create' || op.op === 'update') what += ` ${val(op.value)}`;
  if ((op.op === 'update' || op.op === 'delete') && op.ifModRevision !== undefined) what += ` if rev=${op.ifModRevision}`;
  let res: string;
  if (!outcome) res = 'pending';
  else if (outcome.type === 'ok') res = `ok rev ${outcome.revision}`;
  else if (outcome.type === 'read') res = outcome.kv ? `read ${val(outcome.kv.value)} rev ${outcome.kv.modRevision}` : 'read not-found';
  else if (outcome.type === 'fail') res = `failed ${outcome.reason}`;
  else res = `unknown outcome (${short(outcome.error)})`;
  const span = `[#${o.call}..${o.ret === undefined ? 'open' : `#${o.ret}`}${at ? ` ${at(o.callAt)}..${o.retAt === undefined ? '' : at(o.retAt)}` : ''}]`;
  return `${o.client} ${what} → ${res} ${span}`;
}

const short = (s: string | undefined, n = 60) => (s === undefined ? 'undefined' : s.length > n ? `${s.slice(0, n - 1)}…` : s);

const describeStates = (ss: RegState[]) =>
  ss.map((s) => (s.e ? `${short(s.v, 40)} at rev ${s.r ?? '?'}` : 'absent')).join(' or ');

/**
 * Checks that the ops of one key (all on that key) are linearizable from `initial`. Gives up with `unknown`
 * after `maxSteps` search steps, when the memo would pass `maxCacheWords` 32-bit words (default 32 M, 128 MiB),
 * or at `deadline` (a Date.now() time).
 */
export function checkKey(
  key: string,
  ops: LinOp[],
  opts: { initial?: RegState; maxSteps?: number; maxCacheWords?: number; deadline?: number; describe?: (o: RecordedOp) => string } = {},
): KeyVerdict {
  const describe = opts.describe ?? ((o: RecordedOp) => describeOp(o));
  const t0 = performance.now();
  const n = ops.length;
  const maxSteps = opts.maxSteps ?? 5_000_000;
  const deadline = opts.deadline ?? Infinity;
  // Entries: call and return of each op, in time order (calls first at equal times: open returns are all at Infinity).
  const order = [...Array(2 * n).keys()].sort((a, b) => {
    const ta = a & 1 ? ops[a >> 1].ret : ops[a >> 1].call;
    const tb = b & 1 ? ops[b >> 1].ret : ops[b >> 1].call;
    return ta - tb || (a & 1) - (b & 1) || a - b;
  });
  // A doubly linked list over nodes 0..2n-1 (node = position in `order`), head sentinel 2n.
  const HEAD = 2 * n;
  const next = new Int32Array(2 * n + 1).fill(-1);
  const prev = new Int32Array(2 * n + 1).fill(-1);
  const opOf = new Int32Array(2 * n);
  const isCall = new Uint8Array(2 * n);
  const match = new Int32Array(2 * n);
  const retNode = new Int32Array(n);
  order.forEach((e, node) => {
    opOf[node] = e >> 1;
    isCall[node] = e & 1 ? 0 : 1;
    if (e & 1) retNode[e >> 1] = node;
  });
  for (let node = 0; node < 2 * n; node++) if (isCall[node]) match[node] = retNode[opOf[node]];
  let last = HEAD;
  for (let node = 0; node < 2 * n; node++) {
    next[last] = node;
    prev[node] = last;
    last = node;
  }
  const lift = (e: number) => {
    next[prev[e]] = next[e];
    prev[next[e]] = prev[e];
    const m = match[e];
    next[prev[m]] = next[m];
    if (next[m] >= 0) prev[next[m]] = prev[m];
  };
  const unlift = (e: number) => {
    const m = match[e];
    next[prev[m]] = m;
    if (next[m] >= 0) prev[next[m]] = m;
    next[prev[e]] = e;
    prev[next[e]] = e;
  };

  const words = Math.max(1, Math.ceil(n / 32));
  const bits = new Uint32Array(words);
  const cache = new Map<number, { bits: Uint32Array; sk: string }[]>();
  const hash = () => {
    let h = 0x811c9dc5;
    for (let i = 0; i < words; i++) h = Math.imul(h ^ bits[i], 0x01000193);
    return h >>> 0;
  };
  // The memo holds a bitset per configuration: bound its size (maxCacheWords) as well as the steps.
  const maxEntries = Math.max(1, Math.floor((opts.maxCacheWords ?? 32_000_000) / (words + 8)));
  let entries = 0;
  const remember = (sk: string): boolean => {
    const h = hash();
    const bucket = cache.get(h);
    if (bucket?.some((c) => c.sk === sk && c.bits.every((w, i) => w === bits[i]))) return false;
    entries++;
    const entry = { bits: bits.slice(), sk };
    if (bucket) bucket.push(entry);
    else cache.set(h, [entry]);
    return true;
  };

  let states: RegState[] = [opts.initial ?? ABSENT];
  const calls: { node: number; states: RegState[] }[] = [];
  let best: number[] = [];
  let bestStates = states;
  let steps = 0;
  let entry = next[HEAD];
  const verdict = (result: KeyVerdict['result'], message?: string): KeyVerdict => ({
    key,
    result,
    ops: n,
    steps,
    ms: performance.now() - t0,
    ...(message ? { message } : {}),
  });
  while (next[HEAD] >= 0) {
    if (++steps > maxSteps || entries >= maxEntries || ((steps & 1023) === 0 && Date.now() > deadline)) {
      const what = steps > maxSteps ? 'steps' : entries >= maxEntries ? 'memory' : 'time';
      return verdict('unknown', `key ${key}: unknown (search budget exceeded (${what}) after ${steps - 1} steps over ${n} ops; ${best.length} linearized at best)`);
    }
    if (isCall[entry]) {
      const o = opOf[entry];
      const ns = stepSet(states, ops[o]);
      if (ns.length > 0) {
        bits[o >> 5] |= 1 << (o & 31);
        if (remember(setKey(ns))) {
          calls.push({ node: entry, states });
          states = ns;
          lift(entry);
          entry = next[HEAD];
          continue;
        }
        bits[o >> 5] &= ~(1 << (o & 31));
      }
      entry = next[entry];
    } else {
      // About to backtrack: keep the deepest order reached so far, to explain a failure.
      if (calls.length > best.length) {
        best = calls.map((c) => opOf[c.node]);
        bestStates = states;
      }
      const top = calls.pop();
      if (!top) return verdict('fail', explain(key, ops, best, bestStates, describe));
      entry = top.node;
      states = top.states;
      const o = opOf[entry];
      bits[o >> 5] &= ~(1 << (o & 31));
      unlift(entry);
      entry = next[entry];
    }
  }
  return verdict('ok');
}

/** Words the longest valid order found and the ops none of which could come next. */
function explain(key: string, ops: LinOp[], best: number[], bestStates: RegState[], describe: (o: RecordedOp) => string): string {
  const done = new Set(best);
  const rest = ops.map((_, i) => i).filter((i) => !done.has(i));
  const firstRet = Math.min(...rest.map((i) => ops[i].ret));
  const candidates = rest.filter((i) => ops[i].call < firstRet);
  const tail = best.slice(-5).map((i) => `    ${describe(ops[i].rec)}`);
  const lines = [
    `key ${key}: not linearizable as a register with compare-and-set.`,
    `  The longest valid order takes ${best.length} of ${ops.length} ops${best.length ? ', ending with:' : '.'}`,
    ...tail,
    `  leaving the key ${describeStates(bestStates)}; then none of these can take effect next:`,
    ...candidates.slice(0, 6).map((i) => `    ${describe(ops[i].rec)}`),
  ];
  if (candidates.length > 6) lines.push(`    ... and ${candidates.length - 6} more`);
  return lines.join('\n');
}
