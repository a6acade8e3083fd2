// What the renderers share: the timeline (spans with state notes placed after the message that
// caused them), noise (lease renewals, heartbeats, bookmarks) and its collapsing, and time formats.
import { keyOf, noteKey, parentKey } from '../keys.ts';
import type { Span, StateNote, Trace } from '../types.ts';

/** How renderers treat repetitive traffic: keep it, collapse each run into one line, or drop it. */
export type NoiseMode = 'keep' | 'collapse' | 'drop';

/** Which state notes renderers show. */
export type NotesMode = 'all' | 'objects' | 'none';

export interface RenderOptions {
  /** Lease renewals, watch heartbeats and bookmarks (and their replies). Default: collapse in mermaid, keep elsewhere. */
  noise?: NoiseMode;
  /** Draw at most this many messages (mermaid and text); the rest is summarised in one line. */
  maxSpans?: number;
  /** Mermaid: number the arrows (default true). */
  autonumber?: boolean;
  /** State notes: all, only those of actors working on an object (pod workers: the default), or none. */
  notes?: NotesMode;
  /** A title line (text, mermaid). */
  title?: string;
}

/** One line of a timeline. */
export type Item =
  | { t: 'span'; span: Span; depth: number }
  | { t: 'note'; note: StateNote }
  | { t: 'elided'; count: number; kinds: string[]; from: number; to: number };

const NOISE_KINDS = new Set(['watch heartbeat', 'reply heartbeat', 'watch BOOKMARK', 'reply watching']);

/** Returns true for repetitive traffic: leases, heartbeats, bookmarks. */
export function isNoise(s: Span): boolean {
  return NOISE_KINDS.has(s.kind) || s.kind.endsWith(' leases') || (s.object?.startsWith('lease/') ?? false);
}

/** Returns the timeline of a trace: spans with their causal depth, and notes in time order but never before the message they handled. */
export function timeline(trace: Trace, opts: RenderOptions = {}): Item[] {
  const spans = trace.spans;
  const index = new Map(spans.map((s, i) => [keyOf(s), i]));
  const depth: number[] = [];
  spans.forEach((s, i) => {
    const pk = parentKey(s);
    const p = pk ? index.get(pk) : undefined;
    depth[i] = p !== undefined && p < i ? Math.min(depth[p] + 1, 16) : 0;
  });
  const mode = opts.notes ?? 'objects';
  const notes = mode === 'none' ? [] : mode === 'all' ? trace.notes : trace.notes.filter((n) => n.object !== undefined);
  // Each note goes after its cause (when drawn) and after every span strictly earlier than it.
  const after = new Map<number, StateNote[]>();
  const place = (n: StateNote) => {
    const nk = noteKey(n);
    const cause = nk ? index.get(nk) : undefined;
    let i = cause ?? -1;
    while (i + 1 < spans.length && spans[i + 1].sentAt < n.at) i++;
    const l = after.get(i);
    if (l) l.push(n);
    else after.set(i, [n]);
  };
  for (const n of notes) place(n);
  const out: Item[] = [];
  for (const n of after.get(-1) ?? []) out.push({ t: 'note', note: n });
  spans.forEach((s, i) => {
    out.push({ t: 'span', span: s, depth: depth[i] });
    for (const n of after.get(i) ?? []) out.push({ t: 'note', note: n });
  });
  return applyNoise(out, spans, opts.noise ?? 'keep');
}

function applyNoise(items: Item[], spans: Span[], mode: NoiseMode): Item[] {
  if (mode === 'keep') return items;
  // A reply to a noisy request is noise too.
  const noisy = new Set(spans.filter(isNoise).map(keyOf));
  for (const s of spans) if (s.reply && noisy.has(parentKey(s) ?? '')) noisy.add(keyOf(s));
  const out: Item[] = [];
  for (const it of items) {
    if (it.t !== 'span' || !noisy.has(keyOf(it.span))) {
      out.push(it);
      continue;
    }
    if (mode === 'drop') continue;
    const last = out.at(-1);
    const kind = noiseLabel(it.span);
    if (last?.t === 'elided') {
      last.count++;
      last.to = it.span.sentAt;
      if (!last.kinds.includes(kind)) last.kinds.push(kind);
    } else out.push({ t: 'elided', count: 1, kinds: [kind], from: it.span.sentAt, to: it.span.sentAt });
  }
  return out;
}

const noiseLabel = (s: Span) => (s.kind.endsWith(' leases') || s.object?.startsWith('lease/') ? 'leases' : s.kind.includes('heartbeat') ? 'heartbeats' : 'bookmarks');

/** Returns the one-line text of an elided run. */
export const elidedText = (e: Extract<Item, { t: 'elided' }>) => `${e.count} message(s) elided: ${e.kinds.join(', ')}`;

/** Returns the label of a message: kind, object (and how many more), detail. */
export function spanLabel(s: Span): string {
  const more = s.objectCount && s.objectCount > 1 ? ` (+${s.objectCount - 1} more)` : '';
  return [s.kind, s.object ? `${s.object}${more}` : undefined, s.detail ? `(${s.detail})` : undefined].filter(Boolean).join(' ');
}

/** Returns the label of a state note: `actor: [object|child] state`. */
export function noteLabel(n: StateNote): string {
  const who = n.object ?? n.child;
  return `${who ? `${who} ` : ''}${n.state}`;
}

/** Returns a relative time as `+12.345s`. */
export const relTime = (ms: number) => `+${(Math.floor(ms) / 1000).toFixed(3)}s`;

/** Returns a time of day in UTC, `09:00:01.000` (the date is in the header). */
export const clockTime = (ms: number) => new Date(Math.floor(ms)).toISOString().slice(11, 23);

/** Returns the UTC date of a time, `2026-11-23`. */
export const dayOf = (ms: number) => new Date(Math.floor(ms)).toISOString().slice(0, 10);

/** Shown as the receiver of a message no traced actor received. */
export const UNSEEN = '(untraced)';

/** Returns the receivers of a span, or UNSEEN when no delivery was recorded. */
export const receivers = (s: Span): string[] => (s.to.length ? s.to : [UNSEEN]);

/** Returns the actors of a timeline in order of first appearance (senders before their receivers). */
export function actorsOf(items: Item[]): string[] {
  const seen = new Set<string>();
  for (const it of items) {
    if (it.t === 'span') {
      seen.add(it.span.from);
      for (const t of receivers(it.span)) seen.add(t);
    } else if (it.t === 'note') seen.add(it.note.actor);
  }
  return [...seen];
}

/** Returns the start time of a trace (its first span or note), or 0 when empty. */
export function startOf(trace: Trace): number {
  let t = Infinity;
  for (const s of trace.spans) t = Math.min(t, s.sentAt);
  for (const n of trace.notes) t = Math.min(t, n.at);
  return Number.isFinite(t) ? t : 0;
}
