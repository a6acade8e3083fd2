// The Mermaid sequenceDiagram: participants are actors (in order of first appearance), one arrow
// per message (`->>` sends, `-->>` replies), `Note over` for state changes and elided noise.
import { samplingText } from '../sampling.ts';
import type { Trace } from '../types.ts';
import { actorsOf, elidedText, noteLabel, receivers, spanLabel, timeline, type RenderOptions } from './common.ts';

// Words Mermaid's sequence grammar reserves: a participant id must not be one of them.
const RESERVED = new Set([
  'participant', 'actor', 'as', 'note', 'over', 'left', 'right', 'of', 'loop', 'alt', 'else', 'opt', 'par', 'and', 'rect',
  'end', 'critical', 'break', 'box', 'create', 'destroy', 'activate', 'deactivate', 'autonumber', 'title', 'links', 'link',
  'properties', 'details', 'sequencediagram', 'accdescr', 'acctitle', 'option',
]);

const ENTITIES: Record<string, string> = { '#': '#35;', ';': '#59;', '<': '#lt;', '>': '#gt;', '%%': '#37;#37;' };

/** Returns text safe inside a Mermaid message or note (entity codes for what the grammar would read). */
export function escapeMermaid(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/%%|[#;<>]/g, (m) => ENTITIES[m])
    .trim();
}

/** Returns readable, unique Mermaid ids for actor names (`kubelet/node-1` → `kubelet_node_1`). */
export function participantIds(actors: string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const a of actors) {
    let id = a.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'actor';
    if (/^[0-9]/.test(id) || RESERVED.has(id.toLowerCase())) id = `a_${id}`;
    let unique = id;
    for (let i = 2; used.has(unique); i++) unique = `${id}_${i}`;
    used.add(unique);
    ids.set(a, unique);
  }
  return ids;
}

/** Returns a Mermaid `sequenceDiagram` of a trace (noise collapsed unless asked otherwise). */
export function renderMermaid(trace: Trace, opts: RenderOptions = {}): string {
  const items = timeline(trace, { ...opts, noise: opts.noise ?? 'collapse' });
  const max = opts.maxSpans ?? Infinity;
  let cut = items.length;
  for (let i = 0, n = 0; i < items.length; i++) if (items[i].t === 'span' && ++n > max) {
    cut = i;
    break;
  }
  const shown = items.slice(0, cut);
  const actors = actorsOf(shown);
  const ids = participantIds(actors);
  const lines = ['sequenceDiagram'];
  if (opts.title) lines.push(`  title ${escapeMermaid(opts.title)}`);
  if (opts.autonumber !== false) lines.push('  autonumber');
  for (const a of actors) {
    const id = ids.get(a)!;
    lines.push(id === a ? `  participant ${id}` : `  participant ${id} as ${escapeMermaid(a)}`);
  }
  const span = (first: string, last: string) => (first === last ? first : `${first},${last}`);
  const wide = actors.length ? span(ids.get(actors[0])!, ids.get(actors.at(-1)!)!) : undefined;
  if (trace.sampling && wide) lines.push(`  Note over ${wide}: ${escapeMermaid(samplingText(trace.sampling))}`);
  for (const it of shown) {
    if (it.t === 'span') {
      const s = it.span;
      const arrow = s.reply ? '-->>' : '->>';
      const label = escapeMermaid(spanLabel(s));
      for (const to of receivers(s)) lines.push(`  ${ids.get(s.from)}${arrow}${ids.get(to)}: ${label}`);
    } else if (it.t === 'note') {
      lines.push(`  Note over ${ids.get(it.note.actor)}: ${escapeMermaid(noteLabel(it.note))}`);
    } else if (wide) lines.push(`  Note over ${wide}: ${escapeMermaid(`… ${elidedText(it)}`)}`);
  }
  const left = trace.spans.length - shown.filter((i) => i.t === 'span').length - elidedCount(shown);
  if (cut < items.length && wide) lines.push(`  Note over ${wide}: ${escapeMermaid(`… ${left} more message(s) not drawn`)}`);
  return `${lines.join('\n')}\n`;
}

const elidedCount = (items: ReturnType<typeof timeline>) => items.reduce((n, i) => n + (i.t === 'elided' ? i.count : 0), 0);
