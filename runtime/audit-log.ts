// The audit log of a process (`--audit-log FILE|-`, `--audit-policy FILE`): events as JSON lines,
// appended in batches (one write per turn of the event loop, so a request never waits on the disk),
// flushed and closed when the process stops. The parts of one process that audit into one file (the API
// server and the gateway of a locked `kubus up`, each on its own connection) share its one writer, so
// their lines never interleave and keep the order they were written in.
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Auditor, type AuditEvent, type AuditSink } from '../api/audit-event.ts';
import { AuditPolicyError, checkPolicy, METADATA_FOR_ALL, type AuditPolicy } from '../api/audit-policy.ts';
import type { Clock } from '../bus/clock.ts';
import type { Rng } from '../bus/random.ts';
import type { Logger } from '../bus/types.ts';

/** Appends events to a file (0600: events may carry objects), or stdout for `-`. */
export class AuditLogWriter implements AuditSink {
  private lines: string[] = [];
  private scheduled = false;
  private readonly out: WriteStream | NodeJS.WriteStream;
  /** Events written so far (for tests and `kubus status`). */
  written = 0;
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

  write(event: AuditEvent): void {
    this.lines.push(JSON.stringify(event));
    this.written++;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Hands the buffered lines to the stream. */
  flush(): void {
    this.scheduled = false;
    if (!this.lines.length) return;
    const chunk = `${this.lines.join('\n')}\n`;
    this.lines = [];
    this.out.write(chunk);
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AuditPolicyError(`audit policy ${file}: ${(err as Error).message}`);
  }
  try {
    return checkPolicy(parseYaml(text) as unknown);
  } catch (err) {
    throw new AuditPolicyError(`audit policy ${file}: ${(err as Error).message}`);
  }
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
