// The audit log of a process (`--audit-log FILE|-`, `--audit-policy FILE`): events as JSON lines,
// appended in batches (one write per 5 ms or 256 events, so a request never waits on the disk),
// flushed and closed when the process stops. The parts of one process that audit into one file (the API
// server and the gateway of a locked `kubus up`, each on its own connection) share its one writer, so
// their lines never interleave and keep the order they were written in.
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Auditor, type AuditEvent, type AuditSink } from '../api/audit-event.ts';
import { AuditPolicyError, checkPolicy, METADATA_FOR_ALL, type AuditPolicy } from '../api/audit-policy.ts';
import type { Clock } from '../bus/clock.ts';
import type { Rng } from '../bus/random.ts';
import type { Logger } from '../bus/types.ts';
import { loadConfigFile } from './config-file.ts';

/**
 * How long an event waits for others to share its write (ms), and how many make a batch that is
 * written at once: one write (a thread-pool round trip and its callback) per batch, not per request.
 */
const BATCH_MS = 5;
const BATCH_EVENTS = 256;

/** Appends events to a file (0600: events may carry objects), or stdout for `-`. */
export class AuditLogWriter implements AuditSink {
  /** Queued lines, or events still to format (see write). */
  private lines: (string | AuditEvent)[] = [];
  /** The batch's write: BATCH_MS after its first event, or at the end of the turn that filled it. */
  private later?: NodeJS.Timeout;
  private soon?: NodeJS.Immediate;
  private readonly out: WriteStream | NodeJS.WriteStream;
  /** Events written so far, counted once their batch's write succeeded (for tests and `kubus status`). */
  written = 0;
  /** Events lost: their batch's write failed, or came after the file had failed. */
  dropped = 0;
  /** How many hold this writer (forFile); the last close ends the stream. */
  private holders = 1;
  private closing?: Promise<void>;
  /** Drops this writer from the process's shared ones (forFile) at its last close. */
  private onLastClose?: () => void;

  constructor(
    readonly target: string,
    private readonly log?: Logger,
  ) {
    this.out = target === '-' ? process.stdout : createWriteStream(target, { flags: 'a', mode: 0o600 });
    this.out.on('error', (err: Error) => this.log?.error({ err: err.message, file: target }, 'audit log write failed'));
  }

  /**
   * Queues an event. One carrying a request's or response's object is formatted now (the object may
   * change later); the others (their own strings and copies) when the batch is written, after the
   * request's reply has gone out.
   */
  write(event: AuditEvent): void {
    this.lines.push(event.requestObject === undefined && event.responseObject === undefined ? event : JSON.stringify(event));
    if (this.lines.length >= BATCH_EVENTS && !this.soon) this.soon = setImmediate(() => this.flush());
    else this.later ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  /** Hands the buffered lines to the stream. */
  flush(): void {
    clearTimeout(this.later);
    clearImmediate(this.soon);
    this.later = this.soon = undefined;
    if (!this.lines.length) return;
    const n = this.lines.length;
    // A stream that failed is destroyed: its later batches would go nowhere, unsaid.
    if (this.out.destroyed || this.out.writableEnded) {
      this.lines = [];
      return this.lost(n, 'the file failed earlier (see the error logged then)');
    }
    let chunk = '';
    for (const l of this.lines) chunk += `${typeof l === 'string' ? l : this.format(l)}\n`;
    this.lines = [];
    this.out.write(chunk, (err) => (err ? this.lost(n, err.message) : (this.written += n)));
  }

  /** Counts and logs (once per batch) the events of a batch that could not be written. */
  private lost(n: number, why: string): void {
    this.dropped += n;
    this.log?.error({ events: n, err: why, file: this.target }, 'audit events dropped');
  }

  /** An event's line (its fields are strings and copies: nothing can make it fail, but a thrown error must not end the process). */
  private format(e: AuditEvent): string {
    try {
      return JSON.stringify(e);
    } catch (err) {
      this.log?.error({ err: (err as Error).message, auditID: e.auditID, file: this.target }, 'audit event could not be formatted');
      return JSON.stringify({ ...e, user: { username: e.user.username }, impersonatedUser: undefined, annotations: undefined });
    }
  }

  /** Returns the process's one writer of `target` (a file, or `-`), made the first time; each caller closes it once. */
  static forFile(target: string, log?: Logger): AuditLogWriter {
    const key = target === '-' ? target : resolve(target);
    const held = SHARED.get(key);
    if (held) {
      held.holders++;
      return held;
    }
    const writer = new AuditLogWriter(target, log);
    SHARED.set(key, writer);
    writer.onLastClose = () => SHARED.get(key) === writer && SHARED.delete(key);
    return writer;
  }

  /** Flushes; the last holder's close also closes the file (stdout stays open) and resolves once the lines are written. */
  close(): Promise<void> {
    this.flush();
    if (--this.holders > 0) return Promise.resolve();
    this.onLastClose?.();
    if (this.out === process.stdout) return Promise.resolve();
    this.closing ??= new Promise((done) => (this.out as WriteStream).end(() => done()));
    return this.closing;
  }
}

/** The writers of this process's audit files, by resolved path (`-`: stdout). */
const SHARED = new Map<string, AuditLogWriter>();

/** Reads and checks a policy file (YAML or JSON); the error names the file and the field. */
export function loadAuditPolicy(file: string): AuditPolicy {
  return loadConfigFile(file, 'audit policy', (m) => new AuditPolicyError(m), checkPolicy);
}

export interface AuditOptions {
  /** Where events go: a file, or `-` for stdout. */
  auditLog: string;
  /** A policy file; unset: every request at Metadata. */
  auditPolicy?: string;
}

/** Returns the process's auditor and its writer (close it on stop); throws AuditPolicyError for a bad policy before anything is opened. */
export function openAudit(opts: AuditOptions, clock: Clock, rng: Rng, log?: Logger): { auditor: Auditor; writer: AuditLogWriter } {
  const policy = opts.auditPolicy ? loadAuditPolicy(opts.auditPolicy) : METADATA_FOR_ALL;
  const writer = AuditLogWriter.forFile(opts.auditLog, log);
  const ids = rng.fork('audit');
  return { auditor: new Auditor(policy, writer, () => clock.now(), () => ids.uuid()), writer };
}
