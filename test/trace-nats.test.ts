// Tracing over a real nats-server with `kubus control-plane --trace-recorder` and `kubus node --trace`
// in their own processes (each with its feed; the recorder in the control plane): the trace of one pod's creation names every
// component it passes through, in causal order, and every span's parent is the message that caused it.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { keyOf, parentKey } from '../actors/tracer/keys.ts';
import type { Span, Trace } from '../actors/tracer/types.ts';
import type { Pod } from '../api/kinds/pod.ts';
import { ApiClient } from '../bus/client.ts';
import { NatsBus } from '../bus/nats-bus.ts';
import { NO_RECORDER, queryRecorder, traceCommand } from '../cli/commands/trace.ts';
import { pod } from './helpers/api.ts';
import { isReady } from './helpers/cluster.ts';
import { natsServer } from './helpers/nats.ts';
import { startKubus } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

/** Returns the first span matching, after index `from`; fails the test when there is none. */
function expectSpan(t: ExecutionContext, spans: Span[], what: string, pred: (s: Span) => boolean, from = -1): number {
  const i = spans.findIndex((s, j) => j > from && pred(s));
  t.true(i >= 0, `no span after #${from}: ${what}`);
  return i;
}

test('trace nats - one pod over real NATS and processes: every component in causal order, every parent resolved', async (t) => {
  const nats = await natsServer(t);
  // Without leader election: no lease renewal every 2 s beside the pod's messages.
  const cp = startKubus(t, ['control-plane', '--nats', nats.url, '--trace-recorder', '--leader-elect', 'false', '--log-level', 'warn']);
  const nodes = startKubus(t, ['node', '--nats', nats.url, '--name', 'node', '--count', '2', '--trace', '--log-level', 'warn']);
  await Promise.all([cp.waitFor(/running against/), nodes.waitFor(/running against/)]);
  const bus = await NatsBus.connect({ servers: nats.url, name: 'kubus-cli' });
  t.teardown(() => bus.close());
  const client = new ApiClient(bus);
  await waitFor(async () => (await client.list('nodes')).items.filter(isReady).length === 2, 'two Ready nodes', 20_000, 100);
  // A kubelet starts its pod watch once registered: wait until both are answered (as the recorder saw them),
  // so the pod reaches its kubelet as a watch event, not in the initial state of a watch started later.
  await waitFor(
    async () => {
      const spans = (await queryRecorder(bus, { actor: 'kubelet/' })).spans;
      return ['node-0', 'node-1'].every((n) => {
        const asked = new Set(spans.filter((s) => s.kind === 'watch pods' && s.from === `kubelet/${n}`).map((s) => s.spanId));
        return spans.some((s) => s.reply && asked.has(s.parentSpanId ?? ''));
      });
    },
    "both kubelets' pod watches",
    20_000,
    100,
  );
  await client.create('pods', pod('web'));
  await waitFor(async () => isReady(await client.get<Pod>('pods', 'web', { namespace: 'default' })), 'web Running and Ready', 20_000, 50);

  // The feeds publish every ~100 ms: wait until the recorder has the kubelet's last status write.
  let trace: Trace = { spans: [], notes: [] };
  await waitFor(
    async () => {
      trace = await queryRecorder(bus, { object: 'pod/default/web', exact: true });
      return trace.spans.some((s) => s.kind === 'update-status pods' && /Running Ready/.test(s.detail ?? '') && s.to.includes('apiserver'));
    },
    'the Running status in the trace',
    10_000,
    100,
  );
  const spans = trace.spans;
  const node = spans.find((s) => s.kind === 'bind pods')?.detail?.replace('to ', '');
  t.truthy(node, 'the pod was bound');
  const kubelet = `kubelet/${node}`;

  // The chain, in causal order (each found after the previous one).
  const create = expectSpan(t, spans, 'the client creates the pod', (s) => s.kind === 'create pods' && s.from === 'client' && s.to.includes('apiserver') && s.object === 'pod/default/web');
  const root = spans[create];
  const reply = expectSpan(t, spans, "the API server's reply 201", (s) => s.kind === 'reply 201' && s.from === 'apiserver' && s.parentSpanId === root.spanId, create);
  const added = expectSpan(t, spans, 'the watch event to the scheduler', (s) => s.kind === 'watch ADDED' && s.from === 'apiserver' && s.to.includes('scheduler') && s.parentSpanId === root.spanId, create);
  const bind = expectSpan(t, spans, "the scheduler's bind", (s) => s.kind === 'bind pods' && s.from === 'scheduler' && s.to.includes('apiserver') && s.parentSpanId === spans[added].spanId, added);
  const toKubelet = expectSpan(t, spans, 'the watch event to the kubelet', (s) => s.kind === 'watch ADDED' && s.to.includes(kubelet) && s.parentSpanId === spans[bind].spanId, bind);
  const pending = expectSpan(t, spans, "the kubelet's first status", (s) => s.kind === 'update-status pods' && s.from === kubelet && s.parentSpanId === spans[toKubelet].spanId, toKubelet);
  const running = expectSpan(t, spans, "the kubelet's Running status", (s) => s.kind === 'update-status pods' && s.from === kubelet && /Running Ready/.test(s.detail ?? ''), pending);
  expectSpan(t, spans, 'the reply to it', (s) => s.reply === true && s.parentSpanId === spans[running].spanId && s.to.includes(kubelet), running);
  t.true(reply > create);

  // One trace from the client's create to the Running status, and every parent is an earlier span of it.
  t.deepEqual(new Set([create, reply, added, bind, toKubelet, pending, running].map((i) => spans[i].traceId)), new Set([root.traceId]), 'the pod life is one trace');
  const index = new Map(spans.map((s, i) => [keyOf(s), i]));
  for (const [i, s] of spans.entries()) {
    const p = parentKey(s);
    if (!p) continue;
    t.true(index.has(p), `parent of #${i} (${s.from} ${s.kind}) is in the trace`);
    t.true(index.get(p)! < i, `parent of #${i} (${s.from} ${s.kind}) comes before it`);
  }
  const names = new Set(spans.flatMap((s) => [s.from, ...s.to]));
  for (const c of ['client', 'apiserver', 'scheduler', kubelet]) t.true(names.has(c), `${c} named`);
  t.true(
    trace.notes.some((n) => n.actor === kubelet && n.object === 'pod/default/web' && /Running/.test(n.state)),
    "the pod worker's state changes are in the trace",
  );

  // kubus trace, against the live cluster.
  const dir = mkdtempSync(join(tmpdir(), 'kubus-trace-'));
  const program = new Command('kubus').option('--nats <url>').exitOverride();
  traceCommand(program);
  await program.parseAsync(['--nats', nats.url, 'trace', 'pod', 'web', '--format', 'mermaid', '-o', join(dir, 'web.mmd')], { from: 'user' });
  const mmd = readFileSync(join(dir, 'web.mmd'), 'utf8');
  t.true(mmd.startsWith('sequenceDiagram\n'));
  t.regex(mmd, /client->>apiserver: create pods pod\/default\/web/);
  t.regex(mmd, /scheduler->>apiserver: bind pods pod\/default\/web/);
  t.regex(mmd, new RegExp(`${kubelet.replace(/[^A-Za-z0-9]/g, '_')}->>apiserver: update-status pods pod/default/web \\(Running Ready\\)`));
  await t.throwsAsync(program.parseAsync(['--nats', nats.url, 'trace', 'pod', 'nope', '-o', join(dir, 'x')], { from: 'user' }), { message: /no recorded messages about pod\/default\/nope/ });
});

test('trace nats - a clear error when no recorder runs', async (t) => {
  const nats = await natsServer(t);
  const bus = await NatsBus.connect({ servers: nats.url, name: 'kubus-cli' });
  t.teardown(() => bus.close());
  await t.throwsAsync(queryRecorder(bus, { object: 'pod/default/web' }), { message: NO_RECORDER });
});
