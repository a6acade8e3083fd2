// Chrome trace-event JSON (opens in Perfetto and chrome://tracing): one process and thread per actor,
// a slice on the sender for each message and one on each receiver, joined by flow events; state
// notes as instant events. Timestamps are µs since the first span, nudged so slices on a thread
// never overlap (messages of the same millisecond keep their causal order).
import { samplingText } from '../sampling.ts';
import type { Trace } from '../types.ts';
import { actorsOf, clockTime, dayOf, receivers, spanLabel, startOf, timeline, type RenderOptions } from './common.ts';

type Ev = Record<string, unknown>;

/** Returns `{traceEvents: [...]}` for a trace, as a JSON string. */
export function renderChrome(trace: Trace, opts: RenderOptions = {}): string {
  const items = timeline(trace, { ...opts, noise: opts.noise ?? 'keep' });
  const actors = actorsOf(items);
  const pid = new Map(actors.map((a, i) => [a, i + 1]));
  const t0 = startOf(trace);
  const events: Ev[] = [];
  actors.forEach((a, i) => {
    events.push({ ph: 'M', name: 'process_name', pid: i + 1, tid: 1, args: { name: a } });
    events.push({ ph: 'M', name: 'process_sort_index', pid: i + 1, tid: 1, args: { sort_index: i } });
    events.push({ ph: 'M', name: 'thread_name', pid: i + 1, tid: 1, args: { name: a } });
  });
  const free = new Map<number, number>(); // per process: first µs not yet used by a slice
  const slot = (p: number, want: number) => {
    const ts = Math.max(want, free.get(p) ?? 0);
    free.set(p, ts + 1);
    return ts;
  };
  const us = (ms: number) => Math.round((ms - t0) * 1000);
  let flow = 0;
  for (const it of items) {
    if (it.t === 'note') {
      const p = pid.get(it.note.actor)!;
      const n = it.note;
      const args: Ev = { state: n.state, event: n.event };
      if (n.child) args.child = n.child;
      if (n.object) args.object = n.object;
      events.push({ ph: 'i', s: 't', cat: 'state', name: `${n.object ?? n.child ?? n.actor}: ${n.state}`, pid: p, tid: 1, ts: slot(p, us(n.at)), args });
      continue;
    }
    if (it.t !== 'span') continue;
    const s = it.span;
    const name = spanLabel(s);
    const args: Ev = { subject: s.subject, traceId: s.traceId, spanId: s.spanId, at: `${dayOf(s.sentAt)} ${clockTime(s.sentAt)}` };
    if (s.parentSpanId) args.parentSpanId = s.parentSpanId;
    if (s.object) args.object = s.object;
    args.to = receivers(s);
    const from = pid.get(s.from)!;
    const sentTs = slot(from, us(s.sentAt));
    events.push({ ph: 'X', cat: 'send', name, pid: from, tid: 1, ts: sentTs, dur: 1, args });
    for (const to of receivers(s)) {
      const p = pid.get(to)!;
      const id = ++flow;
      const recvTs = slot(p, Math.max(us(s.deliveredAt ?? s.sentAt), sentTs + 1));
      events.push({ ph: 's', cat: 'message', name: s.kind, id, pid: from, tid: 1, ts: sentTs });
      events.push({ ph: 'X', cat: 'receive', name, pid: p, tid: 1, ts: recvTs, dur: 1, args: { spanId: s.spanId, from: s.from } });
      events.push({ ph: 'f', bp: 'e', cat: 'message', name: s.kind, id, pid: p, tid: 1, ts: recvTs });
    }
  }
  const otherData: Ev = { start: `${dayOf(t0)}T${clockTime(t0)}Z` };
  if (trace.sampling) otherData.sampling = samplingText(trace.sampling);
  return `${JSON.stringify({ traceEvents: events, displayTimeUnit: 'ms', otherData })}\n`;
}
