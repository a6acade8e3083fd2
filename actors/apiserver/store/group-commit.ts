// Group commit: records queued while a write+fsync is in flight go out together in the next one.
import { frame } from './wal.ts';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Barrier extends Waiter {
  /** Runs once this many of the queued records ahead of it are durable (0 = now). */
  at: number;
  fn: () => Promise<void>;
}

/** Where batches go: `write` appends and fsyncs; `durable` hears the highest write revision made durable. */
export interface CommitSink {
  write(frames: Buffer, records: number): Promise<void>;
  durable(revision: number): void;
}

/** Batches records into as few write+fsync rounds as the disk allows; each add resolves once its record is durable. */
export class GroupCommit {
  private payloads: Uint8Array[] = [];
  private revs: number[] = [];
  private waiters: (Waiter | undefined)[] = [];
  private barriers: Barrier[] = [];
  private running = false;
  private idle: Waiter[] = [];
  /** Set when a write failed: every later add and barrier is rejected with it. */
  failure: unknown;

  constructor(private readonly sink: CommitSink) {}

  /** Queues a record; `revision` is the write it logs (0 for none). Resolves when it is fsynced. */
  add(payload: Uint8Array, revision: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.push(payload, revision, { resolve, reject });
    });
  }

  /** Queues a record nobody waits for (a failure is still reported through the rejection of others). */
  addQuiet(payload: Uint8Array): void {
    if (this.failure === undefined) this.push(payload, 0, undefined);
  }

  /** Runs fn between batches, after every record queued before it is durable and before any queued after. */
  barrier(fn: () => Promise<void>): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.barriers.push({ at: this.payloads.length, fn, resolve, reject });
      this.kick();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  drained(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve, reject) => this.idle.push({ resolve, reject }));
  }

  private push(payload: Uint8Array, revision: number, waiter: Waiter | undefined): void {
    this.payloads.push(payload);
    this.revs.push(revision);
    this.waiters.push(waiter);
    this.kick();
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // Start in a microtask so that writes issued in the same tick share the first batch.
    queueMicrotask(() => void this.run());
  }

  private async run(): Promise<void> {
    while (this.failure === undefined) {
      const b = this.barriers[0];
      if (b && b.at === 0) {
        this.barriers.shift();
        await b.fn().then(b.resolve, b.reject);
        continue;
      }
      const n = b ? b.at : this.payloads.length;
      if (n === 0) break;
      const payloads = this.payloads.splice(0, n);
      const revs = this.revs.splice(0, n);
      const waiters = this.waiters.splice(0, n);
      for (const x of this.barriers) x.at -= n;
      try {
        await this.sink.write(frame(payloads), n);
      } catch (err) {
        this.fail(err, waiters);
        break;
      }
      let top = 0;
      for (const r of revs) if (r > top) top = r;
      if (top > 0) this.sink.durable(top);
      for (const w of waiters) w?.resolve();
    }
    this.running = false;
    for (const w of this.idle.splice(0)) w.resolve();
  }

  private fail(err: unknown, batch: (Waiter | undefined)[]): void {
    this.failure = err;
    const all = [...batch, ...this.waiters.splice(0), ...this.barriers.splice(0)];
    this.payloads = [];
    this.revs = [];
    for (const w of all) w?.reject(err);
  }
}
