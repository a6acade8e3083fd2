// `--trace DIR`: a run records its messages with the tracer's TraceRecorder (the simulated broker's
// tap and every host's XState inspection; scenario steps as notes) and writes the trace as text,
// Mermaid, Chrome trace-event JSON and OTLP-JSON. Rendering is deterministic: same seed, same bytes.
// A very large run is sampled by whole traces past a threshold of held spans (actors/tracer/sampling.ts):
// one line is printed at each change, and the files say how the trace was sampled.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InspectionEvent } from 'xstate';
import { TraceRecorder } from '../actors/tracer/recorder.ts';
import { render } from '../actors/tracer/render/index.ts';
import { samplingText } from '../actors/tracer/sampling.ts';
import type { FeedBatch, Trace, TraceFormat, TraceQuery, TraceSampling } from '../actors/tracer/types.ts';
import type { DeliveredRecord, SentRecord } from '../bus/tap.ts';

/** What a run feeds its trace: messages (a BusTap), actors' state changes, and the script's steps. */
export interface TraceSink {
  sent(r: SentRecord): void;
  delivered(r: DeliveredRecord): void;
  inspect(ev: InspectionEvent): void;
  /** A scenario step began at `at` (ms since epoch of the cluster's clock). */
  step(name: string, at: number): void;
  /** Real mode: a batch a process's trace feed published on TRACE_SPANS. */
  ingest(batch: FeedBatch): void;
  /** The run is over: what the teardown sends is not part of it. */
  close(): void;
}

/** Returns a file-name-safe form of a scenario name ("node failure" → "node-failure"). */
export const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'scenario';

const FILES: Array<[TraceFormat, string]> = [
  ['text', 'trace.txt'],
  ['mermaid', 'mmd'],
  ['chrome', 'chrome.json'],
  ['otlp', 'otlp.json'],
];

/** Spans a run's trace holds before it samples whole traces (about 1.2 KiB each with the indexes: ~120 MB). */
export const TRACE_SAMPLE_ABOVE = 100_000;

export interface TraceOutputOptions {
  /** Held spans past which whole traces are sampled; default TRACE_SAMPLE_ABOVE. */
  sampleAbove?: number;
  /** Where the sampling line goes; default stderr (stdout may carry a JSON report). */
  say?: (line: string) => void;
}

/** Records one run and writes its trace files. */
export class TraceOutput implements TraceSink {
  readonly recorder: TraceRecorder;
  private closed = false;

  constructor(opts: TraceOutputOptions = {}) {
    const say = opts.say ?? ((line: string) => process.stderr.write(`${line}\n`));
    const sampleAbove = opts.sampleAbove ?? TRACE_SAMPLE_ABOVE;
    this.recorder = new TraceRecorder({ capacity: Math.max(500_000, sampleAbove), sampleAbove, onSampling: (s: TraceSampling) => say(samplingText(s)) });
  }

  sent(r: SentRecord): void {
    if (!this.closed) this.recorder.sent(r);
  }
  delivered(r: DeliveredRecord): void {
    if (!this.closed) this.recorder.delivered(r);
  }
  inspect = (ev: InspectionEvent): void => {
    if (!this.closed) this.recorder.inspect(ev);
  };
  step(name: string, at: number): void {
    this.recorder.note({ actor: 'scenario', at, state: name, event: 'scenario.step', object: 'step' });
  }
  ingest(batch: FeedBatch): void {
    if (!this.closed) this.recorder.ingest(batch);
  }
  close(): void {
    this.closed = true;
  }

  /** Returns the recorded trace (optionally narrowed by a query). */
  trace(q: TraceQuery = {}): Trace {
    return this.recorder.trace(q);
  }

  /** Writes `<slug>.trace.txt`, `.mmd`, `.chrome.json` and `.otlp.json` into `dir`; returns their paths. */
  write(dir: string, name: string): string[] {
    mkdirSync(dir, { recursive: true });
    const trace = this.trace();
    return FILES.map(([format, ext]) => {
      const f = join(dir, `${slug(name)}.${ext}`);
      writeFileSync(f, render(trace, format, { title: name }));
      return f;
    });
  }
}
