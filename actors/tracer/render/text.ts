// The text timeline: one line per message (time since the first, time of day, trace, sender →
// receivers, kind, object), indented by causal depth, with state notes interleaved.
import { samplingText } from '../sampling.ts';
import type { Trace } from '../types.ts';
import { clockTime, dayOf, elidedText, noteLabel, receivers, relTime, spanLabel, startOf, timeline, type RenderOptions } from './common.ts';

/** Returns the text timeline of a trace. */
export function renderText(trace: Trace, opts: RenderOptions = {}): string {
  const items = timeline(trace, opts);
  const t0 = startOf(trace);
  const traces = new Set(trace.spans.map((s) => s.traceId)).size;
  const lines: string[] = [];
  if (opts.title) lines.push(opts.title);
  if (trace.sampling) lines.push(samplingText(trace.sampling));
  if (!trace.spans.length && !trace.notes.length) return `${lines.concat('(no spans)').join('\n')}\n`;
  let end = t0;
  for (const s of trace.spans) end = Math.max(end, s.sentAt);
  for (const n of trace.notes) end = Math.max(end, n.at);
  lines.push(
    `${trace.spans.length} message(s) in ${traces} trace(s), ${items.filter((i) => i.t === 'note').length} state change(s); ${dayOf(t0)} ${clockTime(t0)} → ${clockTime(end)} UTC` +
      (trace.truncated ? `; ${trace.truncated} earlier message(s) left out` : ''),
  );
  const max = opts.maxSpans ?? Infinity;
  let shown = 0;
  for (const it of items) {
    if (it.t === 'span' && shown >= max) {
      lines.push(`… ${trace.spans.length - shown} more message(s) (raise the cap to see them)`);
      break;
    }
    const at = it.t === 'span' ? it.span.sentAt : it.t === 'note' ? it.note.at : it.from;
    const head = `${relTime(Math.floor(at) - Math.floor(t0)).padStart(10)}  ${clockTime(at)}`;
    if (it.t === 'span') {
      shown++;
      const s = it.span;
      const arrow = s.reply ? '⇢' : '→';
      lines.push(`${head}  ${s.traceId.slice(0, 6)}  ${'  '.repeat(it.depth)}${s.from} ${arrow} ${receivers(s).join(', ')}: ${spanLabel(s)}`);
    } else if (it.t === 'note') {
      const n = it.note;
      lines.push(`${head}  ${(n.traceId ?? '').slice(0, 6).padEnd(6)}  · ${n.actor}: ${noteLabel(n)}${n.event ? `  (on ${n.event})` : ''}`);
    } else lines.push(`${head}          … ${elidedText(it)}`);
  }
  return `${lines.join('\n')}\n`;
}
