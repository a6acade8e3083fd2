// The per-process feed (summaries batched on TRACE_SPANS, capped) and the recorder actor that
// collects them and answers TRACE_QUERY.
import test from 'ava';
import { tracerActor } from '../actors/tracer/tracer.actor.ts';
import type { TraceRecorder } from '../actors/tracer/recorder.ts';
import { TRACER_ID, type FeedBatch, type Trace } from '../actors/tracer/types.ts';
import { realClock } from '../bus/clock.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { TRACE_QUERY, TRACE_SPANS, apiSubject } from '../bus/subjects.ts';
import type { SentRecord } from '../bus/tap.ts';
import { silentLogger } from '../bus/types.ts';
import { Host } from '../runtime/host.ts';
import { TraceFeed } from '../runtime/trace-feed.ts';
import { waitFor } from './helpers/wait.ts';

const tid = (i: number) => i.toString(16).padStart(32, 'c');
const rec = (i: number): SentRecord => ({
  traceId: tid(i),
  spanId: i.toString(16).padStart(16, '0'),
  from: 'kubelet/node-1',
  subject: apiSubject('pods', 'update-status'),
  data: { namespace: 'default', name: `p${i}`, body: { kind: 'Pod', metadata: { name: `p${i}` }, status: { phase: 'Running' }, big: 'x'.repeat(1000) } },
  at: 1000 + i,
});

function setup(t: import('ava').ExecutionContext) {
  const broker = new MemoryBroker({ rng: seededRng(1) });
  const host = new Host({ bus: broker.connect('control-plane'), clock: realClock, rng: seededRng(2), log: silentLogger });
  let recorder: TraceRecorder | undefined;
  host.start(tracerActor, TRACER_ID, { onRecorder: (r) => (recorder = r), maxReplySpans: 50 });
  const bus = broker.connect('node/node-1');
  const batches: FeedBatch[] = [];
  const spy = broker.connect('spy');
  spy.subscribe<FeedBatch>(TRACE_SPANS, (m) => void batches.push(m.data));
  t.teardown(async () => {
    await host.stopAll();
    await bus.close();
    await spy.close();
  });
  return { bus, batches, recorder: () => recorder!, host };
}

test('trace feed - summarises at once, publishes a batch after its interval, the recorder actor answers queries', async (t) => {
  const { bus, batches, recorder } = setup(t);
  const feed = new TraceFeed(bus, { intervalMs: 20 });
  for (let i = 1; i <= 3; i++) feed.sent(rec(i));
  feed.delivered({ traceId: tid(1), spanId: rec(1).spanId, to: 'apiserver', conn: 'control-plane', subject: rec(1).subject, at: 1002 });
  await waitFor(() => batches.length === 1, 'a batch', 2000);
  const b = batches[0];
  t.is(b.source, 'node/node-1');
  t.is(b.records.length, 4);
  t.false(JSON.stringify(b).includes('xxxx'), 'the body is not kept');
  t.deepEqual(b.records[0], { t: 's', traceId: tid(1), spanId: rec(1).spanId, from: 'kubelet/node-1', subject: rec(1).subject, kind: 'update-status pods', object: 'pod/default/p1', detail: 'Running', at: 1001 });
  await waitFor(() => recorder().stats().spans === 3, 'recorded', 2000);
  const reply = await bus.request<Trace>(TRACE_QUERY, { object: 'pod/default/p1', exact: true });
  t.deepEqual(reply.data.spans.map((s) => [s.from, s.to, s.kind]), [['kubelet/node-1', ['apiserver'], 'update-status pods']]);
  feed.stop();
});

test('trace feed - over its cap per interval it drops and counts; big batches go out in chunks; replies are capped', async (t) => {
  const { bus, batches, recorder } = setup(t);
  const feed = new TraceFeed(bus, { intervalMs: 60_000, maxPerInterval: 250, chunk: 100 });
  for (let i = 1; i <= 400; i++) feed.sent(rec(i));
  feed.flush();
  await waitFor(() => batches.length === 3, 'three chunks', 2000);
  t.deepEqual(batches.map((b) => b.records.length), [100, 100, 50]);
  t.deepEqual(batches.map((b) => b.dropped), [150, 0, 0]);
  t.is(feed.totals.dropped, 150);
  await waitFor(() => recorder().stats().spans === 250, 'recorded', 2000);
  t.is(recorder().stats().droppedByFeeds, 150);
  const reply = await bus.request<Trace>(TRACE_QUERY, {});
  t.is(reply.data.spans.length, 50, 'the reply cap (maxReplySpans)');
  t.is(reply.data.truncated, 200);
  feed.stop();
  feed.sent(rec(999));
  feed.flush();
  t.is(batches.length, 3, 'nothing after stop');
});

test('trace feed - a malformed batch is logged and dropped; the recorder keeps going', async (t) => {
  const { bus, recorder } = setup(t);
  bus.publish(TRACE_SPANS, { nonsense: true });
  bus.publish(TRACE_SPANS, { source: 'x', records: [{ t: 's', ...rec(1), kind: 'k', data: undefined }], notes: [], dropped: 0 });
  await waitFor(() => recorder().stats().spans === 1, 'the good batch recorded', 2000);
  t.pass();
});
