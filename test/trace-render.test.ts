// Renderers: the text timeline, Mermaid (every line a valid statement), Chrome trace-event JSON
// (flows bound to slices), OTLP-JSON (shape and ids); noise collapsing and caps.
import test from 'ava';
import { render, renderMermaid } from '../actors/tracer/render/index.ts';
import { escapeMermaid, participantIds } from '../actors/tracer/render/mermaid.ts';
import type { Span, StateNote, Trace } from '../actors/tracer/types.ts';

const T = 'ab'.repeat(16);
let n = 0;
const span = (from: string, to: string[], kind: string, sentAt: number, extra: Partial<Span> = {}): Span => ({
  traceId: T,
  spanId: (++n).toString(16).padStart(16, '0'),
  from,
  to,
  subject: `kubus.x.${n}`,
  kind,
  sentAt,
  ...extra,
});

const start = Date.UTC(2026, 10, 23, 9, 0, 1);
const create = span('client', ['apiserver'], 'create pods', start, { object: 'pod/default/web', deliveredAt: start + 1 });
const reply = span('apiserver', ['client'], 'reply 201', start + 2.5, { object: 'pod/default/web', reply: true, parentSpanId: create.spanId });
const added = span('apiserver', ['scheduler', 'controller/replicaset'], 'watch ADDED', start + 2.5, { object: 'pod/default/web', detail: 'Pending, rv 13', parentSpanId: create.spanId });
const lease1 = span('kubelet/node-1', ['apiserver'], 'update leases', start + 3, { object: 'lease/kube-node-lease/node-1' });
const lease1r = span('apiserver', ['kubelet/node-1'], 'reply 200', start + 3, { object: 'lease/kube-node-lease/node-1', reply: true, parentSpanId: lease1.spanId });
const hb = span('apiserver', ['kubelet/node-1'], 'watch heartbeat', start + 3, { detail: '1 watches' });
const bind = span('scheduler', ['apiserver'], 'bind pods', start + 12_345, { object: 'pod/default/web', detail: 'to node-1; #1 <fast>', parentSpanId: added.spanId });
const lost = span('apiserver', [], 'watch MODIFIED', start + 12_346, { object: 'pod/default/web', objects: ['pod/default/web', 'pod/default/db'], objectCount: 2, parentSpanId: bind.spanId });
const notes: StateNote[] = [
  { actor: 'kubelet/node-1', at: start + 12_400, state: 'Running', event: 'sandbox.ready', child: 'uid-1', object: 'pod/default/web', traceId: T, spanId: bind.spanId },
  { actor: 'scheduler', at: start + 5, state: 'lifecycle.scheduling', event: 'queue.ready', traceId: T, spanId: added.spanId },
];
const trace: Trace = { spans: [create, reply, added, lease1, lease1r, hb, bind, lost], notes };

/** Returns the lines of a Mermaid sequence diagram that are not a statement we know to be valid. */
function mermaidProblems(text: string): string[] {
  const lines = text.trimEnd().split('\n');
  const bad: string[] = [];
  if (lines[0] !== 'sequenceDiagram') bad.push(`first line: ${lines[0]}`);
  const declared = new Set<string>();
  const ID = '[A-Za-z_][A-Za-z0-9_]*';
  // Outside entity codes (#59; #lt; ...), no character the grammar would read.
  const safe = (s: string) => !/[;#<>\n]|%%/.test(s.replace(/#(?:\d+|[a-z]+);/g, ''));
  for (const line of lines.slice(1)) {
    let m: RegExpMatchArray | null;
    if (/^ {2}autonumber$/.test(line)) continue;
    if ((m = line.match(new RegExp(`^  participant (${ID})(?: as (.+))?$`)))) {
      declared.add(m[1]);
      if (m[2] !== undefined && !safe(m[2])) bad.push(line);
      continue;
    }
    if ((m = line.match(new RegExp(`^  (${ID})(-->>|->>)(${ID}): (.*)$`)))) {
      if (!declared.has(m[1]) || !declared.has(m[3]) || !safe(m[4])) bad.push(line);
      continue;
    }
    if ((m = line.match(new RegExp(`^  Note over (${ID})(?:,(${ID}))?: (.*)$`)))) {
      if (!declared.has(m[1]) || (m[2] && !declared.has(m[2])) || !safe(m[3])) bad.push(line);
      continue;
    }
    bad.push(line);
  }
  return bad;
}

test('trace render - text: one line per message with relative and absolute time, notes interleaved', (t) => {
  const out = render(trace, 'text');
  const lines = out.trimEnd().split('\n');
  t.regex(lines[0], /^8 message\(s\) in 1 trace\(s\), 1 state change\(s\); 2026-11-23 09:00:01.000 → 09:00:13.400 UTC$/);
  t.true(lines.includes('   +0.000s  09:00:01.000  ababab  client → apiserver: create pods pod/default/web'));
  t.true(lines.includes('   +0.002s  09:00:01.002  ababab    apiserver ⇢ client: reply 201 pod/default/web'), 'a reply, indented under its request');
  t.true(lines.some((l) => l.includes('apiserver → scheduler, controller/replicaset: watch ADDED pod/default/web (Pending, rv 13)')));
  t.true(lines.some((l) => l.startsWith('  +12.345s  09:00:13.345') && l.includes('      scheduler → apiserver: bind pods')));
  t.true(lines.some((l) => l.includes('apiserver → (untraced): watch MODIFIED pod/default/web (+1 more)')));
  const note = lines.findIndex((l) => l.includes('· kubelet/node-1: pod/default/web Running  (on sandbox.ready)'));
  t.true(note > lines.findIndex((l) => l.includes('bind pods')), 'the note comes after the message it handled');
  t.false(out.includes('lifecycle.scheduling'), 'notes of actors not working on an object are left out by default');
  t.true(render(trace, 'text', { notes: 'all' }).includes('scheduler: lifecycle.scheduling'));
});

test('trace render - mermaid: a valid sequenceDiagram, actors in order of first appearance, replies dashed', (t) => {
  const out = render(trace, 'mermaid');
  t.deepEqual(mermaidProblems(out), []);
  const lines = out.trimEnd().split('\n');
  t.deepEqual(
    lines.filter((l) => l.startsWith('  participant')),
    [
      '  participant client',
      '  participant apiserver',
      '  participant scheduler',
      '  participant controller_replicaset as controller/replicaset',
      '  participant untraced as (untraced)',
      '  participant kubelet_node_1 as kubelet/node-1',
    ],
  );
  t.true(lines.includes('  client->>apiserver: create pods pod/default/web'));
  t.true(lines.includes('  apiserver-->>client: reply 201 pod/default/web'));
  t.true(lines.includes('  apiserver->>scheduler: watch ADDED pod/default/web (Pending, rv 13)'));
  t.true(lines.includes('  apiserver->>controller_replicaset: watch ADDED pod/default/web (Pending, rv 13)'), 'one arrow per receiver');
  t.true(lines.includes('  scheduler->>apiserver: bind pods pod/default/web (to node-1#59; #35;1 #lt;fast#gt;)'), 'escaped');
  t.true(lines.includes('  Note over client,kubelet_node_1: … 3 message(s) elided: leases, heartbeats'), 'leases and heartbeats collapsed');
  t.true(lines.includes('  Note over kubelet_node_1: pod/default/web Running'));
  t.true(lines.includes('  autonumber'));
});

test('trace render - mermaid: noise kept or dropped on request; a cap on messages', (t) => {
  const kept = renderMermaid(trace, { noise: 'keep', autonumber: false });
  t.deepEqual(mermaidProblems(kept), []);
  t.true(kept.includes('kubelet_node_1->>apiserver: update leases lease/kube-node-lease/node-1'));
  t.false(kept.includes('autonumber'));
  const dropped = renderMermaid(trace, { noise: 'drop' });
  t.false(dropped.includes('leases'));
  const capped = renderMermaid(trace, { maxSpans: 2 });
  t.deepEqual(mermaidProblems(capped), []);
  t.regex(capped, /more message\(s\) not drawn/);
  t.is(capped.split('\n').filter((l) => l.includes('->>')).length, 2);
  t.deepEqual(mermaidProblems(renderMermaid({ spans: [], notes: [] })), []);
});

test('trace render - mermaid ids: readable, unique, never a keyword; text escapes what the grammar reads', (t) => {
  const ids = participantIds(['kubelet/node-1', 'kubelet_node-1', 'end', '1st', '', 'loop']);
  t.deepEqual([...ids.values()], ['kubelet_node_1', 'kubelet_node_1_2', 'a_end', 'a_1st', 'a_actor', 'a_loop']);
  t.is(escapeMermaid('a;b#c<d>e%%f\ng'), 'a#59;b#35;c#lt;d#gt;e#37;#37;f g');
  const weird: Trace = {
    spans: [span('end', ['participant'], 'x; y # z', 1, { object: 'pod/a/b;c', detail: 'Note over x: y' }), span('a b', ['c%%d'], 'k', 2)],
    notes: [{ actor: 'loop', at: 3, state: 'a;b', event: 'e', object: 'pod/x/y' }],
  };
  t.deepEqual(mermaidProblems(renderMermaid(weird, { noise: 'keep' })), []);
});

test('trace render - chrome: JSON Perfetto opens: a process per actor, slices, flows bound to slices', (t) => {
  const doc = JSON.parse(render(trace, 'chrome')) as { traceEvents: Array<Record<string, any>> };
  const ev = doc.traceEvents;
  const names = ev.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.args.name);
  t.deepEqual(names, ['client', 'apiserver', 'scheduler', 'controller/replicaset', 'kubelet/node-1', '(untraced)']);
  t.is(ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').length, names.length);
  const starts = ev.filter((e) => e.ph === 's');
  const ends = ev.filter((e) => e.ph === 'f');
  t.is(starts.length, 9, 'a flow per receiver');
  t.deepEqual(starts.map((e) => e.id).sort(), ends.map((e) => e.id).sort());
  const slices = ev.filter((e) => e.ph === 'X');
  for (const f of [...starts, ...ends]) t.true(slices.some((s) => s.pid === f.pid && s.ts <= f.ts && f.ts < s.ts + s.dur), `flow ${f.ph} ${f.id} binds to a slice`);
  for (const e of ends) t.is(e.bp, 'e');
  for (const s of starts) t.true(ends.find((e) => e.id === s.id)!.ts > s.ts, 'a flow goes forward in time');
  // Slices of one thread never overlap (Perfetto drops overlapping ones).
  const byPid = new Map<number, Array<Record<string, any>>>();
  for (const s of slices) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
  for (const list of byPid.values()) {
    list.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < list.length; i++) t.true(list[i].ts >= list[i - 1].ts + list[i - 1].dur);
  }
  t.true(ev.some((e) => e.ph === 'i' && e.name === 'pod/default/web: Running'), 'a state note as an instant event');
  t.is(ev.find((e) => e.ph === 'X' && e.name.startsWith('bind pods'))!.ts, 12_345_000, 'µs since the first span');
});

test('trace render - otlp: resourceSpans per sending actor, hex ids, nanosecond strings, messaging attributes', (t) => {
  const doc = JSON.parse(render(trace, 'otlp')) as { resourceSpans: Array<any> };
  const services = doc.resourceSpans.map((r) => r.resource.attributes.find((a: any) => a.key === 'service.name').value.stringValue);
  t.deepEqual(services, ['client', 'apiserver', 'kubelet/node-1', 'scheduler']);
  const spans = doc.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s: any) => s.spans));
  t.is(spans.length, trace.spans.length);
  for (const s of spans) {
    t.regex(s.traceId, /^[0-9a-f]{32}$/);
    t.regex(s.spanId, /^[0-9a-f]{16}$/);
    t.regex(s.parentSpanId, /^([0-9a-f]{16})?$/);
    t.regex(s.startTimeUnixNano, /^\d+$/);
    t.true(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano));
    const attrs = Object.fromEntries(s.attributes.map((a: any) => [a.key, a.value.stringValue ?? a.value.intValue]));
    t.is(attrs['messaging.system'], 'nats');
    t.regex(attrs['messaging.destination.name'], /^kubus\.x\./);
    t.truthy(attrs['kubus.to']);
  }
  const r = spans.find((s) => s.spanId === reply.spanId);
  t.is(r.startTimeUnixNano, `${BigInt(start) * 1_000_000n + 2_500_000n}`, 'fractions of a ms kept');
  const b = spans.find((s) => s.spanId === bind.spanId);
  t.is(b.parentSpanId, added.spanId);
  t.deepEqual(b.events.map((e: any) => e.name), ['kubelet/node-1: Running']);
  const fanout = spans.find((s) => s.spanId === added.spanId);
  t.is(fanout.attributes.find((a: any) => a.key === 'kubus.to').value.stringValue, 'scheduler,controller/replicaset');
  t.is(fanout.attributes.find((a: any) => a.key === 'kubus.object').value.stringValue, 'pod/default/web');
});

test('trace render - deterministic: the same trace renders byte for byte the same', (t) => {
  for (const f of ['text', 'mermaid', 'chrome', 'otlp'] as const) t.is(render(structuredClone(trace), f), render(trace, f), f);
  t.throws(() => render(trace, 'svg' as never), { message: /unknown trace format "svg"/ });
});
