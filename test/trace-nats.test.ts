// Tracing over a real nats-server with the control plane and a node in their own processes (each
// with its feed; the recorder in the control plane): the trace of one pod's creation names every
// component it passes through, in causal order, and every span's parent is the message that caused it.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
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
import { ROOT } from './helpers/proc.ts';
import { waitFor } from './helpers/wait.ts';

/** Starts a Node process running `code` (ESM, TypeScript imports through tsx); killed in teardown. */
function startProcess(t: ExecutionContext, code: string, env: Record<string, string>): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (c) => reject(new Error(`process exited (${c}) before it was ready:\n${out}`)));
  });
}

const CONTROL_PLANE = `
import { startControlPlane } from './runtime/control-plane.ts';
import { createLogger } from './runtime/logger.ts';
// Without leader election: no lease renewal every 2 s beside the pod's messages (see the note on batching below).
await startControlPlane({ nats: process.env.NATS, log: createLogger('warn'), trace: { recorder: true }, leaderElect: false });
console.log('ready');`;

const NODE = `
import { startTracedNodes } from './runtime/trace-feed.ts';
import { createLogger } from './runtime/logger.ts';
await startTracedNodes({ nats: process.env.NATS, name: 'node', count: 2, log: createLogger('warn') });
console.log('ready');`;

/** Returns the first span matching, after index `from`; fails the test when there is none. */
function expectSpan(t: ExecutionContext, spans: Span[], what: string, pred: (s: Span) => boolean, from = -1): number {
  const i = spans.findIndex((s, j) => j > from && pred(s));
  t.true(i >= 0, `no span after #${from}: ${what}`);
  return i;
}

test('trace nats - one pod over real NATS and processes: every component in causal order, every parent resolved', async (t) => {
  const nats = await natsServer(t);
  await startProcess(t, CONTROL_PLANE, { NATS: nats.url });
  await startProcess(t, NODE, { NATS: nats.url });
  const bus = await NatsBus.connect({ servers: nats.url, name: 'kubus-cli' });
  t.teardown(() => bus.close());
  const client = new ApiClient(bus);
  await waitFor(async () => (await client.list('nodes')).items.filter(isReady).length === 2, 'two Ready nodes', 20_000, 100);
  // The API server sends the watch events of one event-loop turn in the context of the first
  // (actors/apiserver/watch-hub.ts): start once the nodes' leases are written, so no other write shares the pod's turns.
  await waitFor(async () => (await client.list('leases', { namespace: 'kube-node-lease' })).items.length === 2, 'node leases', 20_000, 100);
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
