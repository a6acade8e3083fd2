// `kubus trace KIND NAME`: asks the cluster's trace recorder for every message about an object
// (the whole traces that touch it) and prints them as a text timeline, a Mermaid sequence
// diagram, Chrome trace-event JSON (Perfetto) or OTLP-JSON.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { resourceFor } from '../../api/resources.ts';
import { render, TRACE_FORMATS, type NoiseMode } from '../../actors/tracer/render/index.ts';
import { ref } from '../../actors/tracer/summary.ts';
import type { Trace, TraceFormat, TraceQuery } from '../../actors/tracer/types.ts';
import { NoRespondersError } from '../../bus/errors.ts';
import { TRACE_QUERY } from '../../bus/subjects.ts';
import type { Bus } from '../../bus/types.ts';
import { UsageError, withSession, type GlobalOptions } from '../context.ts';
import { countFlag, durationFlag } from '../flags.ts';

/** Printed when no recorder answers. */
export const NO_RECORDER =
  'no trace recorder is running: start the cluster with `kubus up` (it records), or run `kubus control-plane --trace-recorder` (and --trace on the other kubus processes)';

interface TraceFlags {
  namespace?: string;
  format: string;
  since?: number;
  actor?: string;
  traceId?: string;
  output?: string;
  limit?: number;
  focus?: boolean;
  noise?: string;
  prefix?: boolean;
}

/** Returns the query for `kubus trace [KIND NAME] [flags]` (the time window from `now`). */
export function traceQuery(kind: string | undefined, name: string | undefined, f: TraceFlags, now: number): TraceQuery {
  const q: TraceQuery = {};
  if (kind) {
    if (!name) throw new UsageError(`kubus trace ${kind}: which one? (kubus trace ${kind} NAME)`);
    const def = resourceFor(kind);
    if (!def) throw new UsageError(`the server doesn't have a resource type "${kind}"`);
    q.object = ref(def.kind, def.namespaced ? (f.namespace ?? 'default') : undefined, name);
    if (!f.prefix) q.exact = true;
    if (f.focus) q.focus = true;
  } else if (!f.traceId && !f.actor && f.since === undefined)
    throw new UsageError('say what to trace: KIND NAME (e.g. kubus trace pod web), --trace-id, --actor or --since');
  if (f.traceId) q.traceId = f.traceId;
  if (f.actor) q.actor = f.actor;
  if (f.since !== undefined) q.from = now - f.since;
  if (f.limit !== undefined) q.limit = f.limit;
  return q;
}

/** Asks the recorder on TRACE_QUERY; throws NO_RECORDER when none answers. */
export async function queryRecorder(bus: Bus, q: TraceQuery, timeoutMs = 15_000): Promise<Trace> {
  let reply: Trace | { error: string };
  try {
    reply = (await bus.request<Trace | { error: string }>(TRACE_QUERY, q, { timeoutMs })).data;
  } catch (err) {
    if (err instanceof NoRespondersError) throw new Error(NO_RECORDER);
    throw err;
  }
  if ('error' in reply) throw new Error(`the trace recorder could not answer: ${reply.error}`);
  return reply;
}

/** Registers `kubus trace`. */
export function traceCommand(program: Command): void {
  program
    .command('trace')
    .description('Show the messages about an object (the whole traces that touch it) as a timeline or a diagram')
    .argument('[kind]', 'kind of the object: pod, node, deployment, ... (any kind, short names too)')
    .argument('[name]', 'its name')
    .option('-n, --namespace <ns>', 'namespace (default: default)')
    .option('--format <format>', `output format: ${TRACE_FORMATS.join(', ')}`, 'text')
    .option('--since <duration>', 'only messages of the last DURATION (e.g. 5m)', durationFlag('--since'))
    .option('--actor <actor>', 'only messages sent or received by this actor (or prefix: kubelet/)')
    .option('--trace-id <id>', 'only this trace (32 hex digits)')
    .option('--focus', "only the object's own messages, what caused them, and their replies")
    .option('--prefix', 'NAME is a prefix: every object whose name starts with it')
    .option('--limit <n>', 'at most N messages (the latest)', countFlag('--limit'))
    .option('--noise <mode>', 'lease renewals, heartbeats, bookmarks: keep, collapse or drop (default: collapse in mermaid, keep elsewhere)')
    .option('-o, --output <file>', 'write to FILE instead of standard output')
    .action(async (kind: string | undefined, name: string | undefined, f: TraceFlags) => {
      const format = f.format as TraceFormat;
      if (!TRACE_FORMATS.includes(format)) throw new UsageError(`unknown --format "${f.format}": choose one of ${TRACE_FORMATS.join(', ')}`);
      if (f.noise && !['keep', 'collapse', 'drop'].includes(f.noise)) throw new UsageError(`unknown --noise "${f.noise}": keep, collapse or drop`);
      const q = traceQuery(kind, name, f, Date.now());
      const trace = await withSession(program.opts<GlobalOptions>(), ({ bus }) => queryRecorder(bus, q));
      if (!trace.spans.length && !trace.notes.length) throw new Error(`no recorded messages${q.object ? ` about ${q.object}` : ''} match`);
      const out = render(trace, format, { noise: f.noise as NoiseMode | undefined, title: format === 'text' ? `trace of ${q.object ?? 'the cluster'}` : undefined });
      if (f.output) {
        writeFileSync(f.output, out);
        console.log(`wrote ${trace.spans.length} message(s) as ${format} to ${f.output}`);
      } else process.stdout.write(out);
    });
}
