// Whole-trace sampling of very large runs: under the threshold nothing changes; over it the recorder
// keeps 1 in N traces (by trace id hash, deterministic), whole, says so once per change, and every
// rendering states it; at the sparsest rate it switches off and says that.
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceRecorder as Recorder } from '../actors/tracer/recorder.ts';
import { TraceRecorder } from '../actors/tracer/recorder.ts';
import { tracerActor } from '../actors/tracer/tracer.actor.ts';
import { render } from '../actors/tracer/render/index.ts';
import { samplingText, traceHash } from '../actors/tracer/sampling.ts';
import { TRACER_ID, type FeedBatch, type Trace, type TraceSampling } from '../actors/tracer/types.ts';
import { realClock } from '../bus/clock.ts';
import { MemoryBroker } from '../bus/memory-bus.ts';
import { seededRng } from '../bus/random.ts';
import { TRACE_QUERY, TRACE_SPANS, apiSubject } from '../bus/subjects.ts';
import type { Logger } from '../bus/types.ts';
import { Host } from '../runtime/host.ts';
import def from '../scenarios/node-failure.scenario.ts';
import { runScenario } from '../scenarios/runner/run.ts';
import { TraceOutput } from '../scenarios/trace-output.ts';
import { waitFor } from './helpers/wait.ts';

const traceId = (i: number) => i.toString(16).padStart(32, '0');
const spanId = (i: number) => i.toString(16).padStart(16, '0');

/** Feeds `traces` traces of three spans each (a create, its reply, a watch event), each sent and delivered. */
function feed(r: TraceRecorder, traces: number): number {
  let n = 0;
  for (let i = 1; i <= traces; i++) {
    const tid = traceId(i);
    for (let k = 0; k < 3; k++) {
      const sid = spanId(i * 10 + k);
      const subject = k === 1 ? `_INBOX.client.${i}` : apiSubject('pods', k === 0 ? 'create' : 'update');
      r.sent({ traceId: tid, spanId: sid, from: 'client', subject, data: { namespace: 'default', name: `p${i}`, body: { kind: 'Pod', metadata: { name: `p${i}` } } }, at: 1000 + i });
      r.delivered({ traceId: tid, spanId: sid, to: 'apiserver', conn: 'cp', subject, at: 1001 + i });
      n++;
    }
    r.note({ actor: 'scheduler', at: 1000 + i, state: 'busy', event: 'x', traceId: tid, spanId: spanId(i * 10) });
  }
  return n;
}

test('trace sampling - under the threshold nothing changes: every span, no sampling said anywhere', (t) => {
  const said: TraceSampling[] = [];
  const r = new TraceRecorder({ sampleAbove: 1000, onSampling: (s) => said.push(s) });
  const plain = new TraceRecorder();
  const n = feed(r, 300);
  feed(plain, 300);
  t.is(n, 900);
  t.deepEqual(said, []);
  t.is(r.stats().spans, 900);
  t.is(r.stats().sampling, undefined);
  const tr = r.trace();
  t.is(tr.sampling, undefined);
  for (const f of ['text', 'mermaid', 'chrome', 'otlp'] as const) {
    t.is(render(tr, f), render(plain.trace(), f), `${f} is what an unsampled recorder gives`);
    t.notRegex(render(tr, f), /sampl/);
  }
});

test('trace sampling - over the threshold: 1 in 2, 4, 8 … traces, whole, chosen by trace id; said once per change and in every format', (t) => {
  const said: TraceSampling[] = [];
  const r = new TraceRecorder({ sampleAbove: 600, onSampling: (s) => said.push({ ...s }) });
  const n = feed(r, 1000);
  t.true(said.length >= 2);
  t.deepEqual(
    said.map((s) => [s.rate, s.threshold, s.off]),
    said.map((_, i) => [2 ** (i + 1), 600, false]),
    'one line per halving',
  );
  const tr = r.trace();
  const rate = said.at(-1)!.rate;
  t.is(tr.sampling?.rate, rate);
  const perTrace = new Map<string, number>();
  for (const s of tr.spans) perTrace.set(s.traceId, (perTrace.get(s.traceId) ?? 0) + 1);
  t.true(perTrace.size > 0 && perTrace.size < (2 * 1000) / rate, `about 1 in ${rate} of 1000 traces kept (${perTrace.size})`);
  for (const [id, count] of perTrace) {
    t.is(traceHash(id) & (rate - 1), 0, 'kept by its hash');
    t.is(count, 3, 'kept whole');
  }
  t.true(tr.spans.length < 600);
  t.is(tr.spans.length + tr.sampling!.dropped, n, 'every span is held or counted as dropped');
  t.true(tr.notes.every((x) => perTrace.has(x.traceId!)), 'notes of dropped traces go too');
  t.is(tr.notes.length, perTrace.size);
  const line = samplingText(tr.sampling!);
  t.regex(line, new RegExp(`past 600 spans: 1 in ${rate} traces kept whole`));
  t.true(render(tr, 'text').split('\n').includes(line));
  t.true(render(tr, 'mermaid').includes('past 600 spans'));
  t.is(JSON.parse(render(tr, 'chrome')).otherData.sampling, line);
  t.true(render(tr, 'otlp').includes(line));
  // The same records give the same choice, byte for byte.
  const again = new TraceRecorder({ sampleAbove: 600 });
  feed(again, 1000);
  t.is(render(again.trace(), 'text'), render(tr, 'text'));
});

test('trace sampling - a trace that alone fills the threshold: sampling reaches its sparsest rate, then recording switches off and says so', (t) => {
  const said: TraceSampling[] = [];
  const r = new TraceRecorder({ sampleAbove: 50, maxSampleRate: 4, onSampling: (s) => said.push({ ...s }) });
  // A trace id that every rate keeps (hash ≡ 0 mod 4).
  let id = 0;
  while (traceHash(traceId(id)) & 3) id++;
  for (let i = 0; i < 80; i++) r.sent({ traceId: traceId(id), spanId: spanId(i), from: 'c', subject: apiSubject('pods', 'get'), data: { namespace: 'default', name: `p${i}` }, at: i });
  t.deepEqual(
    said.map((s) => [s.rate, s.off]),
    [
      [2, false],
      [4, false],
      [4, true],
    ],
  );
  t.is(r.stats().spans, 50, 'what was held when it switched off is kept');
  t.is(r.stats().sampling?.dropped, 30, 'the 30 sent after are counted');
  t.regex(render(r.trace(), 'text'), /trace recording switched off after 50 spans held at 1 in 4 traces/);
});

/** Runs node-failure with a trace that samples past `sampleAbove` spans; returns the lines said and the files. */
async function tracedRun(sampleAbove: number) {
  const said: string[] = [];
  const trace = new TraceOutput({ sampleAbove, say: (l) => said.push(l) });
  const r = await runScenario(def, { seed: 7, trace });
  const dir = mkdtempSync(join(tmpdir(), 'kubus-sampling-'));
  try {
    trace.write(dir, def.name);
    const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    return { ok: r.ok, said, files, stats: trace.recorder.stats() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('trace sampling - a scenario run over the threshold samples, prints one line per change, its files say so, and stays deterministic', async (t) => {
  const a = await tracedRun(500);
  const b = await tracedRun(500);
  t.true(a.ok);
  t.true(a.said.length >= 1, 'at least one line printed');
  t.regex(a.said[0], /^trace sampled past 500 spans: 1 in 2 traces kept whole, chosen by trace id; [\d,]+ spans of other traces dropped$/);
  t.true(a.stats.spans < 500 && (a.stats.sampling?.dropped ?? 0) > 0);
  t.regex(a.files['node-failure.trace.txt'].split('\n')[1], /^trace sampled past 500 spans: 1 in \d+ traces kept whole/);
  t.regex(a.files['node-failure.chrome.json'], /"sampling":"trace sampled past 500 spans/);
  t.deepEqual(a.said, b.said);
  for (const f of Object.keys(a.files)) t.true(a.files[f] === b.files[f], `${f} is identical run to run`);
});

test('trace sampling - the tracer actor samples its feeds past the threshold, logs it at warn once per change, and its replies say so', async (t) => {
  const warnings: Array<[object | string, string | undefined]> = [];
  const log: Logger = { debug() {}, info() {}, error() {}, warn: (o, m) => void warnings.push([o, m]), child: () => log };
  const broker = new MemoryBroker({ rng: seededRng(1) });
  const host = new Host({ bus: broker.connect('control-plane'), clock: realClock, rng: seededRng(2), log });
  let recorder: Recorder | undefined;
  host.start(tracerActor, TRACER_ID, { sampleAbove: 100, onRecorder: (r) => (recorder = r) });
  const bus = broker.connect('node/node-1');
  t.teardown(async () => {
    await host.stopAll();
    await bus.close();
  });
  const records: FeedBatch['records'] = [];
  for (let i = 1; i <= 200; i++) records.push({ t: 's', traceId: traceId(i), spanId: spanId(i), from: 'kubelet/node-1', subject: apiSubject('pods', 'get'), kind: 'get pods', at: 1000 + i });
  await waitFor(() => recorder !== undefined, 'the recorder', 2000);
  bus.publish(TRACE_SPANS, { source: 'node/node-1', records, notes: [], dropped: 0 } satisfies FeedBatch);
  await waitFor(() => (recorder!.stats().sampling?.rate ?? 1) >= 2, 'sampling', 2000);
  const lines = warnings.filter(([, m]) => m?.startsWith('tracer: trace sampled past 100 spans: 1 in '));
  t.true(lines.length >= 1);
  t.is(lines.length, warnings.length, 'nothing else was logged');
  t.like(lines[0][0], { rate: 2, threshold: 100, off: false });
  const reply = (await bus.request<Trace>(TRACE_QUERY, {}, { timeoutMs: 2000 })).data;
  t.is(reply.sampling?.rate, recorder!.stats().sampling?.rate);
  t.true(reply.spans.length < 100 && reply.spans.length + reply.sampling!.dropped === 200);
});
