// Trace recorder benchmark: recording into a full ring (the default 200,000 spans) and answering
// `kubus trace pod/<ns>/<name>` on it, as a person waits for it at the terminal.
// Run: npm run bench -- trace [--runs N] [--spans N]
import { TraceRecorder } from '../actors/tracer/recorder.ts';
import { apiSubject } from '../bus/subjects.ts';
import type { SentRecord } from '../bus/tap.ts';
import { arg, median, report } from './report.ts';

const RUNS = arg('runs', 5);
const SPANS = arg('spans', 200_000);
const QUERIES = 50;

const id = (n: number, width: number) => n.toString(16).padStart(width, '0');
/** A pod get in one of 20,000 traces, about one of 5,000 pods (so each pod has ~40 spans in the ring). */
const record = (i: number): SentRecord => ({
  traceId: id(i % 20_000, 32),
  spanId: id(i, 16),
  from: 'c',
  subject: apiSubject('pods', 'get'),
  data: { namespace: 'default', name: `p${i % 5000}` },
  at: i,
});

function run(): { recordsPerSec: number; queryMs: number } {
  const r = new TraceRecorder({ capacity: SPANS });
  const t0 = performance.now();
  for (let i = 1; i <= SPANS; i++) r.sent(record(i));
  const recordsPerSec = (SPANS * 1000) / (performance.now() - t0);
  const times: number[] = [];
  for (let q = 0; q < QUERIES; q++) {
    const t1 = performance.now();
    const tr = r.trace({ object: `pod/default/p${(q * 97) % 5000}`, exact: true });
    times.push(performance.now() - t1);
    if (tr.spans.length === 0) throw new Error('the query found nothing');
  }
  return { recordsPerSec, queryMs: median(times) };
}

const runs = Array.from({ length: RUNS }, run);
report(`Trace recorder (medians of ${RUNS} runs; ring of ${SPANS.toLocaleString('en-US')} spans, ${QUERIES} queries each)`, [
  { name: 'record a sent message', value: median(runs.map((x) => x.recordsPerSec)), unit: 'records/s', higherIsBetter: true },
  { name: 'trace one pod on a full ring', value: median(runs.map((x) => x.queryMs)), unit: 'ms', higherIsBetter: false, anchor: 'answered while a person waits at the terminal' },
]);
